package io.umonitor.syslog.internal;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One connection to a syslog server behind a bounded buffer. The sink thread only appends to the buffer
 * ({@link #offer}), never touches the network, so a slow, stalled or unreachable server costs buffer space
 * and then counted losses, never a stalled sink (which would hold up the collectors). A writer thread of its
 * own connects (backing off from 100 ms to a maximum), writes, and puts back frames written shortly before a
 * break was noticed; a reader thread per connection notices the server closing or resetting it (syslog
 * servers send nothing back), so a stopped server is seen at once rather than at the next write.
 */
public final class Forwarder {
    private static final Logger LOG = LoggerFactory.getLogger(Forwarder.class);
    private static final long MIN_BACKOFF_MS = 100;
    private static final int BATCH_BYTES = 64 * 1024;

    private record Frame(String unikernel, byte[] bytes, long writtenAt) {
    }

    private final InetSocketAddress address;
    private final SSLContext tls;
    private final int bufferBytes;
    private final long resendWindowNanos;
    private final long reconnectMaxMs;
    private final int connectTimeoutMs;
    private final Thread writer;
    private final long flushWaitNanos;

    // Guarded by this.
    private final ArrayDeque<Frame> pending = new ArrayDeque<>();
    private final ArrayDeque<Frame> window = new ArrayDeque<>();
    private long bufferedBytes;   // pending + in flight: what the buffer bound counts
    private long windowBytes;
    private boolean broken;
    private boolean serverDown;   // the last connection attempt failed, or the connection broke
    private boolean closing;
    private boolean stopped;
    private String lastError = "not connected yet";
    private long written;
    private long lost;
    private long resent;
    private long connections;

    // Only the writer thread (and close, after it stopped) touches these.
    private volatile Socket socket;
    private OutputStream out;
    private long backoffMs = MIN_BACKOFF_MS;
    private boolean outageLogged;

    public Forwarder(InetSocketAddress address, SSLContext tls, int bufferBytes, Duration resendWindow,
            Duration reconnectMax, int connectTimeoutMs) {
        this.address = address;
        this.tls = tls;
        this.bufferBytes = bufferBytes;
        this.resendWindowNanos = resendWindow.toNanos();
        this.reconnectMaxMs = reconnectMax.toMillis();
        this.connectTimeoutMs = connectTimeoutMs;
        this.flushWaitNanos = TimeUnit.MILLISECONDS.toNanos(connectTimeoutMs);
        this.writer = new Thread(this::writeLoop, "umonitor-syslog-forward");
        writer.setDaemon(true);
        writer.start();
    }

    public InetSocketAddress address() {
        return address;
    }

    public int bufferBytes() {
        return bufferBytes;
    }

    /**
     * Why the buffer is full, for the loss report: the server is down, or it is connected and takes records
     * more slowly than they come (the last error of an earlier outage would mislead then).
     */
    public synchronized String whyBufferFull() {
        return serverDown || socket == null ? "unreachable (" + lastError + ")"
                : "connected but taking records more slowly than they arrive";
    }

    /** Queues a frame; false when the buffer is full or closed (the caller counts the record lost). */
    public synchronized boolean offer(String unikernel, byte[] frame) {
        if (closing || bufferedBytes + frame.length > bufferBytes) {
            lost++;
            return false;
        }
        pending.add(new Frame(unikernel, frame, 0));
        bufferedBytes += frame.length;
        // Wake the writer for a full batch only; the sink's flush (when its queue runs empty, and at least every
        // 100 ms under load) wakes it for the rest. Waking it per record would cost a thread switch per record.
        if (bufferedBytes >= BATCH_BYTES && bufferedBytes - frame.length < BATCH_BYTES) {
            notifyAll();
        }
        return true;
    }

    /**
     * The sink's flush: has the writer send what waits and waits until it is written, while the server is
     * reachable, for at most {@code flushWait} (so a stalled server costs the sink thread that much per flush,
     * never more; an unreachable one nothing).
     */
    public synchronized void drain() {
        notifyAll();
        long deadline = System.nanoTime() + flushWaitNanos;
        while (bufferedBytes > 0 && !serverDown && !closing && System.nanoTime() - deadline < 0) {
            try {
                wait(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    private void writeLoop() {
        List<Frame> batch = new ArrayList<>();
        while (true) {
            boolean reconnect;
            synchronized (this) {
                while (!stopped && !broken && (pending.isEmpty() || waitingForBackoff())) {
                    try {
                        wait(waitingForBackoff() ? Math.max(1, nextAttemptMs()) : 100);
                    } catch (InterruptedException e) {
                        return;
                    }
                    if (!pending.isEmpty() && !waitingForBackoff()) {
                        break;
                    }
                    trimWindow(System.nanoTime());
                }
                if (stopped) {
                    return;
                }
                reconnect = broken;
                broken = false;
            }
            if (reconnect && socket != null) {
                disconnect("the server closed the connection");
                continue;
            }
            if (socket == null && !connect()) {
                continue;
            }
            synchronized (this) {
                int bytes = 0;
                while (!pending.isEmpty() && bytes < BATCH_BYTES) {
                    Frame f = pending.poll();
                    batch.add(f);
                    bytes += f.bytes().length;
                }
            }
            IOException failure = null;
            try {
                for (Frame f : batch) {
                    out.write(f.bytes());
                }
                out.flush();
            } catch (IOException e) {
                failure = e;
            }
            long now = System.nanoTime();
            synchronized (this) {
                if (failure == null) {
                    for (Frame f : batch) {
                        bufferedBytes -= f.bytes().length;
                        written++;
                        if (resendWindowNanos > 0) {
                            window.add(new Frame(f.unikernel(), f.bytes(), now));
                            windowBytes += f.bytes().length;
                        }
                    }
                    trimWindow(now);
                } else {
                    for (int i = batch.size() - 1; i >= 0; i--) {
                        pending.addFirst(batch.get(i)); // not sent (or not wholly): they go first next time
                    }
                }
                notifyAll();
            }
            batch.clear();
            if (failure != null) {
                disconnect(failure.toString());
            }
        }
    }

    private long nextAttempt;

    private boolean waitingForBackoff() {
        return socket == null && System.nanoTime() - nextAttempt < 0;
    }

    private long nextAttemptMs() {
        return TimeUnit.NANOSECONDS.toMillis(nextAttempt - System.nanoTime());
    }

    private void trimWindow(long now) {
        Iterator<Frame> it = window.iterator();
        while (it.hasNext()) {
            Frame f = it.next();
            if (now - f.writtenAt() <= resendWindowNanos && windowBytes <= bufferBytes) {
                break;
            }
            it.remove();
            windowBytes -= f.bytes().length;
        }
    }

    /** Connects (outside the lock: it may take up to the connect timeout); false after a failure, backing off. */
    private boolean connect() {
        Socket s = null;
        try {
            s = tls != null ? tls.getSocketFactory().createSocket() : new Socket();
            s.setTcpNoDelay(true);
            s.setKeepAlive(true);
            s.connect(address, connectTimeoutMs);
            if (s instanceof SSLSocket ssl) {
                SSLParameters params = ssl.getSSLParameters();
                params.setEndpointIdentificationAlgorithm("HTTPS");
                ssl.setSSLParameters(params);
                s.setSoTimeout(connectTimeoutMs);
                ssl.startHandshake();
                s.setSoTimeout(0);
            }
            out = new BufferedOutputStream(s.getOutputStream(), BATCH_BYTES);
            InputStream in = s.getInputStream();
            Socket watched = s;
            Thread reader = new Thread(() -> watch(watched, in), "umonitor-syslog-forward-reader");
            reader.setDaemon(true);
            // Before the reader starts: a server closing at once must find this the current connection, or its
            // close goes unnoticed and what is written to the dead connection is never sent again.
            socket = s;
            reader.start();
        } catch (IOException | RuntimeException e) {
            socket = null;
            closeQuietly(s);
            boolean newError;
            synchronized (this) {
                newError = !e.toString().equals(lastError);
                lastError = e.toString();
                nextAttempt = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(backoffMs);
                serverDown = true;
                notifyAll();
            }
            if (!outageLogged || newError) {
                LOG.warn("syslog forwarding: cannot reach {} ({}); buffering up to {} bytes and retrying with backoff",
                        address, e, bufferBytes);
                outageLogged = true;
            }
            backoffMs = Math.min(reconnectMaxMs, backoffMs * 2);
            return false;
        }
        backoffMs = MIN_BACKOFF_MS;
        synchronized (this) {
            connections++;
            serverDown = false;
        }
        if (outageLogged) {
            LOG.info("syslog forwarding: connected to {} again", address);
            outageLogged = false;
        }
        return true;
    }

    /** Reads (and discards) until the server closes or resets the connection, then marks it broken. */
    private void watch(Socket s, InputStream in) {
        byte[] discard = new byte[512];
        try {
            while (in.read(discard) >= 0) {
                // syslog servers send nothing; reading is how a close or a reset is seen at once
            }
        } catch (IOException e) {
            // reset, or closed by us: either way this connection is over
        }
        synchronized (this) {
            if (socket == s) {
                broken = true;
                notifyAll();
            }
        }
    }

    /** Drops the connection; frames written within the resend window go back to the front of the queue. */
    private void disconnect(String why) {
        closeQuietly(socket);
        socket = null;
        out = null;
        synchronized (this) {
            lastError = why;
            broken = false;
            trimWindow(System.nanoTime());
            if (!window.isEmpty()) {
                Iterator<Frame> newestFirst = window.descendingIterator();
                while (newestFirst.hasNext()) {
                    Frame f = newestFirst.next();
                    pending.addFirst(new Frame(f.unikernel(), f.bytes(), 0));
                    bufferedBytes += f.bytes().length;
                }
                resent += window.size();
                window.clear();
                windowBytes = 0;
            }
            nextAttempt = System.nanoTime();
            serverDown = true;
            notifyAll();
        }
        LOG.warn("syslog forwarding: connection to {} lost ({}); reconnecting", address, why);
        outageLogged = true;
    }

    private static void closeQuietly(Socket s) {
        if (s != null) {
            try {
                s.close();
            } catch (IOException e) {
                // closing anyway
            }
        }
    }

    public synchronized long written() {
        return written;
    }

    public synchronized long lost() {
        return lost;
    }

    public synchronized long resent() {
        return resent;
    }

    public synchronized long connections() {
        return connections;
    }

    /** Lets the writer send what waits for up to {@code grace}, then counts the rest lost and stops. */
    public void close(Duration grace) {
        long deadline = System.nanoTime() + grace.toNanos();
        synchronized (this) {
            closing = true;
            notifyAll();
            // bufferedBytes, not pending: the writer takes a batch out of pending before writing it, and closing
            // the socket under a half-written batch would count records lost that the server may have stored.
            while (bufferedBytes > 0 && System.nanoTime() - deadline < 0) {
                try {
                    wait(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
            stopped = true;
            notifyAll();
        }
        closeQuietly(socket); // unblocks a writer stuck on a server that stopped reading
        try {
            writer.join(5000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        synchronized (this) {
            if (!pending.isEmpty()) {
                Map<String, Integer> perUnikernel = new TreeMap<>();
                for (Frame f : pending) {
                    perUnikernel.merge(f.unikernel(), 1, Integer::sum);
                }
                lost += pending.size();
                LOG.error("syslog forwarding: {} record(s) could not be delivered to {} before close ({}) and are "
                        + "lost, per unikernel: {}", pending.size(), address, lastError, perUnikernel);
                pending.clear();
            }
        }
    }
}
