package io.umonitor.core.internal.collect;

import io.umonitor.api.LogOrigin;
import io.umonitor.api.LogRecord;
import io.umonitor.api.ProtocolException;
import io.umonitor.core.internal.log.SenderState;
import io.umonitor.core.internal.log.Sequences;
import io.umonitor.protocol.Frame;
import io.umonitor.protocol.Goodbye;
import io.umonitor.protocol.Hello;
import io.umonitor.protocol.RecordFrame;
import io.umonitor.protocol.TcpStreamDecoder;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The TCP collector: one selector thread serves every listening address and every connection.
 *
 * <p>Each connection owns one read buffer: 4 KiB for a quiet connection, grown to 64 KiB once reads
 * fill it (a busy sender is read in large pieces) and to the maximum frame length only when a frame
 * needs it, so memory per connection is bounded by the larger of 64 KiB and that length. Every selected
 * connection gets one read per round, which shares the collector fairly between senders. Records
 * decoded in a round are appended to their senders' histories at once and handed to the sinks as
 * one batch. When the sinks fall behind, the collector stops reading altogether: the senders' TCP
 * windows fill and they wait, so nothing is dropped. A sender over its rate limit has its own
 * connection paused the same way.
 */
public final class TcpCollector implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(TcpCollector.class);
    /**
     * Records a round collects before it hands them to the sinks mid-round. Without it one round over
     * thousands of busy connections (one read of up to 64 KiB each) could queue hundreds of thousands of
     * records past the sink queue's bound.
     */
    public static final int MAX_ROUND_RECORDS = 4096;
    /** A quiet connection costs this much; a busy one grows its buffer (fewer, larger reads). */
    private static final int INITIAL_BUFFER = 4 * 1024;
    private static final int BUSY_BUFFER = 64 * 1024;
    private static final int FRAME_OVERHEAD = 12;

    private final Ingest ingest;
    private final int maxFrameLength;
    private final int maxConnections;
    private final Selector selector;
    private final Thread thread;
    private final SelectorTasks tasks;
    private final Map<InetSocketAddress, ServerSocketChannel> listeners = new ConcurrentHashMap<>();
    private final Set<Connection> connections = new HashSet<>();
    private final PriorityQueue<Connection> throttled =
            new PriorityQueue<>((a, b) -> Long.compare(a.resumeAtNanos, b.resumeAtNanos));
    private volatile boolean closing;
    private ArrayList<LogRecord> round = new ArrayList<>(1024);
    private Instant roundTime;

    private static final class Connection {
        final SocketChannel channel;
        final String peer;
        final TcpStreamDecoder decoder;
        ByteBuffer buffer;
        SelectionKey key;
        SenderState sender;
        Sequences sequences;
        long resumeAtNanos;

        Connection(SocketChannel channel, String peer, TcpStreamDecoder decoder, ByteBuffer buffer) {
            this.channel = channel;
            this.peer = peer;
            this.decoder = decoder;
            this.buffer = buffer;
        }
    }

    public TcpCollector(Ingest ingest, int maxFrameLength, int maxConnections) {
        this.ingest = ingest;
        this.maxFrameLength = maxFrameLength;
        this.maxConnections = maxConnections;
        this.tasks = SelectorTasks.open("TCP log collector");
        this.selector = tasks.selector();
        this.thread = SelectorTasks.startThread(this::run, "umonitor-collect-tcp");
    }

    /** Binds and starts accepting on {@code address}; returns the bound address (port 0 resolved). */
    public InetSocketAddress listen(InetSocketAddress address) throws IOException {
        return tasks.listen(ServerSocketChannel.open(), server -> {
            server.setOption(StandardSocketOptions.SO_REUSEADDR, true);
            server.bind(address, 1024);
        }, SelectionKey.OP_ACCEPT, listeners);
    }

    /** Stops accepting on every listening address with this host address; connections stay. */
    public void stopListening(InetAddress address) {
        tasks.stopListening(listeners, address);
    }

    private void run() {
        try {
            while (!closing) {
                tasks.runPending();
                long timeoutMillis = resumeThrottled();
                if (!ingest.awaitTcpRoom(100)) {
                    continue;
                }
                roundTime = null;
                selector.select(this::handle, timeoutMillis);
                dispatchRound();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (IOException | RuntimeException | Error e) {
            LOG.error("the TCP log collector failed; TCP log collection has stopped", e);
        } finally {
            tasks.runPending();
            drainAndClose();
        }
    }

    private void handle(SelectionKey key) {
        if (!key.isValid()) {
            return;
        }
        if (key.isAcceptable()) {
            accept((ServerSocketChannel) key.attachment());
        } else if (key.isReadable()) {
            read((Connection) key.attachment());
            if (round.size() >= MAX_ROUND_RECORDS) {
                // Many busy connections: hand over what this round has so far and wait for room before
                // reading the others, so the sink queues stay near their bound however many connections
                // there are. Every ready connection still gets its one read this round.
                dispatchRound();
                awaitRoomWithinRound();
            }
        }
    }

    private void awaitRoomWithinRound() {
        try {
            while (!closing && !ingest.awaitTcpRoom(100)) {
                // The sinks are still draining; listener changes must not wait for them.
                tasks.runPending();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            closing = true;
        }
        roundTime = null;
    }

    private void dispatchRound() {
        if (!round.isEmpty()) {
            ArrayList<LogRecord> batch = round;
            round = new ArrayList<>(Math.max(1024, batch.size()));
            ingest.dispatch(batch, true);
        }
    }

    private void accept(ServerSocketChannel server) {
        for (int i = 0; i < 64; i++) {
            SocketChannel channel;
            try {
                channel = server.accept();
            } catch (IOException e) {
                LOG.warn("accepting a TCP log connection failed", e);
                return;
            }
            if (channel == null) {
                return;
            }
            String peer = "?";
            try {
                peer = String.valueOf(channel.getRemoteAddress());
                if (connections.size() >= maxConnections) {
                    ingest.rejectedUnattributed(LogOrigin.TCP, peer, "too many log connections (limit "
                            + maxConnections + "): connection refused");
                    channel.close();
                    continue;
                }
                channel.configureBlocking(false);
                Connection c = new Connection(channel, peer, new TcpStreamDecoder(maxFrameLength),
                        ByteBuffer.allocate(Math.min(INITIAL_BUFFER, maxFrameLength + FRAME_OVERHEAD)));
                c.key = channel.register(selector, SelectionKey.OP_READ, c);
                connections.add(c);
            } catch (IOException e) {
                LOG.debug("a TCP log connection from {} failed while being set up", peer, e);
                closeQuietly(channel);
            }
        }
    }

    /** Reads once from {@code c}; returns the bytes read, or -1 once the connection is closed. */
    private int read(Connection c) {
        ByteBuffer buf = c.buffer;
        int readRoom = buf.remaining();
        int n;
        try {
            n = c.channel.read(buf);
        } catch (IOException e) {
            n = -1;
        }
        if (n < 0) {
            if (buf.position() > 0 && c.sender != null) {
                dispatchRound();
                ingest.rejected(c.sender, LogOrigin.TCP, c.peer,
                        "connection ended in the middle of a frame (TRUNCATED, " + buf.position() + " bytes)");
            }
            close(c);
            return -1;
        }
        if (n == 0) {
            return 0;
        }
        buf.flip();
        if (roundTime == null) {
            roundTime = Instant.now();
        }
        int start = round.size();
        try {
            Frame frame;
            while ((frame = c.decoder.decode(buf)) != null) {
                if (frame instanceof RecordFrame r && c.sender != null) {
                    round.add(new LogRecord(c.sender.name(), LogOrigin.TCP, true, r.sequence(), r.clock(),
                            r.timestampNanos(), roundTime, r.level(), r.logger(), r.message(), r.attributes()));
                } else if (frame instanceof Hello hello && c.sender == null) {
                    SenderState sender = ingest.authenticate(hello, LogOrigin.TCP, c.peer);
                    if (sender == null) {
                        close(c);
                        return -1;
                    }
                    c.sender = sender;
                    c.sequences = sender.session(hello.session());
                } else if (frame instanceof Goodbye goodbye && c.sender != null) {
                    start = finishChunk(c, start);
                    c.sender.lost(c.sequences.goodbye(goodbye.produced()));
                } else {
                    throw new ProtocolException("unexpected " + frame.getClass().getSimpleName()
                            + " frame (UNEXPECTED_FRAME): a TCP stream is one HELLO, records, then one GOODBYE");
                }
            }
        } catch (ProtocolException e) {
            finishChunk(c, start);
            reject(c, Ingest.describe(e));
            close(c);
            return -1;
        } catch (RuntimeException e) {
            finishChunk(c, start);
            reject(c, "the decoder failed: " + e);
            close(c);
            return -1;
        }
        finishChunk(c, start);
        buf.compact();
        int max = maxFrameLength + FRAME_OVERHEAD;
        if (!buf.hasRemaining()) {
            if (buf.capacity() >= max) {
                reject(c, "a frame does not fit the " + max + "-byte connection buffer (FRAME_TOO_LONG)");
                close(c);
                return -1;
            }
            grow(c, max);
        } else if (n == readRoom && buf.capacity() < BUSY_BUFFER) {
            // The read filled the buffer: more is waiting, so read in larger pieces from now on.
            grow(c, Math.min(buf.capacity() * 4, Math.max(BUSY_BUFFER, max)));
        }
        return n;
    }

    private static void grow(Connection c, int capacity) {
        ByteBuffer bigger = ByteBuffer.allocate(capacity);
        c.buffer.flip();
        bigger.put(c.buffer);
        c.buffer = bigger;
    }

    private int finishChunk(Connection c, int start) {
        int end = round.size();
        if (end > start) {
            SenderState s = c.sender;
            s.append(round, start, end);
            s.received(end - start);
            s.lost(c.sequences.observe(round, start, end));
            TokenBucket limit = s.rateLimit();
            if (limit != null) {
                long waitNanos = limit.borrow(end - start);
                if (waitNanos > 0 && c.key.isValid()) {
                    c.key.interestOps(0);
                    c.resumeAtNanos = System.nanoTime() + waitNanos;
                    throttled.add(c);
                }
            }
        }
        return end;
    }

    /** Resumes connections whose rate-limit pause is over; returns the select timeout in ms (0 = none). */
    private long resumeThrottled() {
        long now = System.nanoTime();
        Connection c;
        while ((c = throttled.peek()) != null && c.resumeAtNanos <= now) {
            throttled.poll();
            if (c.key.isValid()) {
                c.key.interestOps(SelectionKey.OP_READ);
            }
        }
        c = throttled.peek();
        return c == null ? 500 : Math.max(1, TimeUnit.NANOSECONDS.toMillis(c.resumeAtNanos - now));
    }

    private void reject(Connection c, String reason) {
        // The records decoded before the error go to the sinks first, so the notice follows them in the log.
        dispatchRound();
        if (c.sender != null) {
            ingest.rejected(c.sender, LogOrigin.TCP, c.peer, reason);
        } else {
            ingest.rejectedUnattributed(LogOrigin.TCP, c.peer, reason);
        }
    }

    private void close(Connection c) {
        if (c.key != null) {
            c.key.cancel();
        }
        closeQuietly(c.channel);
        connections.remove(c);
    }

    private static void closeQuietly(SocketChannel channel) {
        try {
            channel.close();
        } catch (IOException ignored) {
            // Nothing left to do with a connection that failed to close.
        }
    }

    /** Reads what the senders had already sent, hands it on, then closes everything. */
    private void drainAndClose() {
        try {
            roundTime = null;
            for (Connection c : List.copyOf(connections)) {
                for (int i = 0; i < 1000 && read(c) > 0; i++) {
                    // keep reading what is already buffered in the socket
                }
            }
            dispatchRound();
        } catch (RuntimeException e) {
            LOG.warn("draining TCP log connections at close failed", e);
        }
        for (Connection c : List.copyOf(connections)) {
            close(c);
        }
        for (ServerSocketChannel server : listeners.values()) {
            try {
                server.close();
            } catch (IOException ignored) {
                // closing anyway
            }
        }
        listeners.clear();
        try {
            selector.close();
        } catch (IOException ignored) {
            // closing anyway
        }
    }

    @Override
    public void close() {
        closing = true;
        selector.wakeup();
        try {
            thread.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
