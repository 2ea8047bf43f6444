package io.umonitor.syslog.internal;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Iterator;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One connection to a syslog server with a bounded buffer in front of it: frames wait while the server is
 * unreachable, reconnection backs off from 100 ms to a maximum, and frames written shortly before a break
 * was noticed are written again. A reader thread per connection notices the server closing or resetting it
 * (syslog servers send nothing back), so a stopped server is seen at once rather than at the next write.
 * Thread-safe: the sink thread offers and drains, a timer thread drains while frames wait and nothing arrives.
 */
public final class Forwarder {
    private static final Logger LOG = LoggerFactory.getLogger(Forwarder.class);
    private static final long MIN_BACKOFF_MS = 100;
    private static final int WRITE_AT_BYTES = 64 * 1024;

    private record Frame(String unikernel, byte[] bytes, long writtenAt) {
    }

    private final InetSocketAddress address;
    private final SSLContext tls;
    private final int bufferBytes;
    private final long resendWindowNanos;
    private final long reconnectMaxMs;
    private final int connectTimeoutMs;
    private final ScheduledExecutorService timer;

    private final ArrayDeque<Frame> pending = new ArrayDeque<>();
    private final ArrayDeque<Frame> window = new ArrayDeque<>();
    private long pendingBytes;
    private long windowBytes;
    private Socket socket;
    private OutputStream out;
    private volatile boolean broken;
    private long backoffMs = MIN_BACKOFF_MS;
    private long nextAttempt;
    private String lastError = "not connected yet";
    private boolean outageLogged;
    private boolean closed;
    private long written;
    private long lost;
    private long resent;
    private long connections;

    public Forwarder(InetSocketAddress address, SSLContext tls, int bufferBytes, Duration resendWindow,
            Duration reconnectMax, int connectTimeoutMs) {
        this.address = address;
        this.tls = tls;
        this.bufferBytes = bufferBytes;
        this.resendWindowNanos = resendWindow.toNanos();
        this.reconnectMaxMs = reconnectMax.toMillis();
        this.connectTimeoutMs = connectTimeoutMs;
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "umonitor-syslog-forward");
            t.setDaemon(true);
            return t;
        });
        timer.scheduleWithFixedDelay(this::drainQuietly, 100, 100, TimeUnit.MILLISECONDS);
    }

    public InetSocketAddress address() {
        return address;
    }

    public int bufferBytes() {
        return bufferBytes;
    }

    public synchronized String lastError() {
        return lastError;
    }

    /** Queues a frame; false when the buffer is full (the caller counts the record lost). */
    public synchronized boolean offer(String unikernel, byte[] frame) {
        if (closed || pendingBytes + frame.length > bufferBytes) {
            lost++;
            return false;
        }
        pending.add(new Frame(unikernel, frame, 0));
        pendingBytes += frame.length;
        if (pendingBytes >= WRITE_AT_BYTES) {
            drain();
        }
        return true;
    }

    private void drainQuietly() {
        try {
            drain();
        } catch (RuntimeException e) {
            LOG.warn("syslog forwarding to {} failed a round; continuing", address, e);
        }
    }

    /** Connects if due, then writes what waits and flushes. Never throws for the network. */
    public synchronized void drain() {
        if (closed && socket == null && pending.isEmpty()) {
            return;
        }
        if (socket != null && broken) {
            disconnect("the server closed the connection");
        }
        if (pending.isEmpty()) {
            trimWindow(System.nanoTime());
            return;
        }
        if (socket == null && !connect()) {
            return;
        }
        long now = System.nanoTime();
        try {
            while (!pending.isEmpty()) {
                Frame f = pending.peek();
                out.write(f.bytes());
                pending.poll();
                pendingBytes -= f.bytes().length;
                if (resendWindowNanos > 0) {
                    window.add(new Frame(f.unikernel(), f.bytes(), now));
                    windowBytes += f.bytes().length;
                }
                written++;
            }
            out.flush();
        } catch (IOException e) {
            disconnect(e.toString());
        }
        trimWindow(now);
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

    private boolean connect() {
        long now = System.nanoTime();
        if (now - nextAttempt < 0) {
            return false;
        }
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
        } catch (IOException | RuntimeException e) {
            if (s != null) {
                try {
                    s.close();
                } catch (IOException ignored) {
                    // nothing more to do
                }
            }
            boolean newError = !e.toString().equals(lastError);
            lastError = e.toString();
            if (!outageLogged || newError) {
                LOG.warn("syslog forwarding: cannot reach {} ({}); buffering up to {} bytes and retrying with backoff",
                        address, lastError, bufferBytes);
                outageLogged = true;
            }
            nextAttempt = now + TimeUnit.MILLISECONDS.toNanos(backoffMs);
            backoffMs = Math.min(reconnectMaxMs, backoffMs * 2);
            return false;
        }
        socket = s;
        broken = false;
        connections++;
        backoffMs = MIN_BACKOFF_MS;
        if (outageLogged) {
            LOG.info("syslog forwarding: connected to {} again", address);
            outageLogged = false;
        }
        try {
            out = new BufferedOutputStream(s.getOutputStream(), WRITE_AT_BYTES);
            InputStream in = s.getInputStream();
            Socket watched = s;
            Thread reader = new Thread(() -> watch(watched, in), "umonitor-syslog-forward-reader");
            reader.setDaemon(true);
            reader.start();
        } catch (IOException e) {
            disconnect(e.toString());
            return false;
        }
        return true;
    }

    /** Reads (and discards) until the server closes or resets the connection, then marks it broken. */
    private void watch(Socket s, InputStream in) {
        byte[] sink = new byte[512];
        try {
            while (in.read(sink) >= 0) {
                // syslog servers send nothing; keep reading so a close or reset is seen at once
            }
        } catch (IOException e) {
            // reset or closed locally: either way the connection is over
        }
        synchronized (this) {
            if (socket == s) {
                broken = true;
            }
        }
        try {
            timer.execute(this::drainQuietly);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            // closing
        }
    }

    /** Drops the connection; frames written within the resend window go back to the front of the queue. */
    private void disconnect(String why) {
        lastError = why;
        try {
            socket.close();
        } catch (IOException e) {
            // already broken
        }
        socket = null;
        out = null;
        broken = false;
        long now = System.nanoTime();
        trimWindow(now);
        if (!window.isEmpty()) {
            Iterator<Frame> newestFirst = window.descendingIterator();
            while (newestFirst.hasNext()) {
                Frame f = newestFirst.next();
                pending.addFirst(new Frame(f.unikernel(), f.bytes(), 0));
                pendingBytes += f.bytes().length;
            }
            resent += window.size();
            window.clear();
            windowBytes = 0;
        }
        LOG.warn("syslog forwarding: connection to {} lost ({}); reconnecting", address, why);
        outageLogged = true;
        nextAttempt = now;
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

    /** Sends what waits for up to {@code grace}, then counts the rest lost and closes. */
    public void close(Duration grace) {
        long deadline = System.nanoTime() + grace.toNanos();
        while (true) {
            synchronized (this) {
                closed = true;
                drain();
                if (pending.isEmpty() || System.nanoTime() - deadline > 0) {
                    break;
                }
            }
            try {
                Thread.sleep(50); // waiting for the reconnection backoff; the timer keeps trying too
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        timer.shutdownNow();
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
            if (socket != null) {
                try {
                    socket.close();
                } catch (IOException e) {
                    // closing anyway
                }
                socket = null;
            }
        }
    }
}
