package io.umonitor.core.internal.gateway;

import io.umonitor.api.LogFilter;
import io.umonitor.api.LogLevel;
import io.umonitor.api.LogRecord;
import io.umonitor.core.sink.JsonRecordCodec;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;
import org.java_websocket.WebSocket;
import org.java_websocket.WebSocketImpl;
import org.java_websocket.exceptions.WebsocketNotConnectedException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One viewer of the live log stream: a hub follower (its own thread and bounded queue) whose consumer
 * writes each record as the file sink's JSON object. Java-WebSocket queues sends without bound, so the
 * consumer waits while this connection has too much unsent; the follower then skips ahead and tells the
 * viewer how many records it missed. A viewer that stays stuck is disconnected.
 */
final class LogSubscription implements Consumer<LogRecord> {
    private static final Logger LOG = LoggerFactory.getLogger(LogSubscription.class);
    /** Frames queued in Java-WebSocket beyond the socket's own buffer before we wait. */
    static final int MAX_UNSENT_FRAMES = 256;
    /** How long a viewer may stay stuck before it is disconnected. */
    static final long STUCK_LIMIT_NANOS = TimeUnit.SECONDS.toNanos(30);

    private final DefaultInvocationGateway gateway;
    private final WebSocket conn;
    private final Set<String> names;
    private final LogLevel minimum;
    private final JsonRecordCodec.Encoder encoder = new JsonRecordCodec.Encoder();
    private volatile AutoCloseable follow;
    private volatile boolean closed;

    LogSubscription(DefaultInvocationGateway gateway, WebSocket conn, List<String> names, LogLevel minimum) {
        this.gateway = gateway;
        this.conn = conn;
        this.names = Set.copyOf(names.stream().filter(n -> !n.isEmpty()).toList());
        this.minimum = minimum;
    }

    void start() {
        // One follower of everything keeps one thread and one encoder per viewer; names are filtered here.
        follow = gateway.hub().follow(names.size() == 1 ? names.iterator().next() : null, LogFilter.atLeast(minimum), this);
        if (closed) {
            closeFollow();
        }
    }

    @Override
    public void accept(LogRecord record) {
        if (closed || (!names.isEmpty() && !names.contains(record.unikernel()))) {
            return;
        }
        if (!awaitRoom()) {
            return;
        }
        String text;
        synchronized (encoder) {
            encoder.encode(record);
            int length = encoder.length();
            if (length > 0 && encoder.bytes()[length - 1] == '\n') {
                length--;
            }
            text = new String(encoder.bytes(), 0, length, StandardCharsets.UTF_8);
        }
        try {
            conn.send(text);
        } catch (WebsocketNotConnectedException e) {
            close();
        }
    }

    /** Waits while the viewer is behind; false when it was disconnected instead. */
    private boolean awaitRoom() {
        if (unsent() <= MAX_UNSENT_FRAMES) {
            return true;
        }
        gateway.countSlowSubscriber();
        long deadline = System.nanoTime() + STUCK_LIMIT_NANOS;
        while (!closed && conn.isOpen() && unsent() > MAX_UNSENT_FRAMES / 2) {
            if (System.nanoTime() - deadline > 0) {
                LOG.info("log viewer {} read nothing for {} s; disconnecting it", conn.getRemoteSocketAddress(),
                        TimeUnit.NANOSECONDS.toSeconds(STUCK_LIMIT_NANOS));
                conn.close(1008, "too slow: read nothing for 30 s");
                close();
                return false;
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5));
        }
        return !closed && conn.isOpen();
    }

    private int unsent() {
        return conn instanceof WebSocketImpl impl ? impl.outQueue.size() : 0;
    }

    void close() {
        closed = true;
        closeFollow();
    }

    private void closeFollow() {
        AutoCloseable f = follow;
        if (f != null) {
            try {
                f.close();
            } catch (Exception e) {
                LOG.debug("closing a log follower failed", e);
            }
        }
    }
}
