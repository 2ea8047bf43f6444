package io.umonitor.core.internal.log;

import io.umonitor.api.LogRecord;
import io.umonitor.api.spi.LogSink;
import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Feeds one sink from its own thread through a bounded queue of record batches. The bound is counted
 * in records. Flow-controlled input (TCP) may overshoot it by one collector round because the TCP
 * collector stops reading before the queue is full; everything else (UDP, console, monitor records)
 * is cut at the bound and the overflow is counted as dropped.
 */
final class SinkRunner {
    private static final Logger LOG = LoggerFactory.getLogger(SinkRunner.class);
    /**
     * How long records may wait unflushed once the queue has run empty. Trickling input (paced UDP, a
     * quiet sender) would otherwise cost one flush, i.e. one write system call, per small batch; waiting
     * this long lets the batches that arrive meanwhile share one.
     */
    static final long FLUSH_LINGER_NANOS = TimeUnit.MICROSECONDS.toNanos(500);
    /** The longest a record waits for a flush while the queue never runs empty (sustained load). */
    static final long MAX_FLUSH_DELAY_NANOS = TimeUnit.MILLISECONDS.toNanos(100);

    private final LogSink sink;
    private final int capacity;
    private final SinkDispatch hub;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition notEmpty = lock.newCondition();
    private final ArrayDeque<List<LogRecord>> queue = new ArrayDeque<>();
    private final Thread thread;
    private volatile int queued;
    private boolean waiting;
    private boolean closing;
    private boolean drained; // the thread saw the queue empty after closing and stopped: nothing more is taken

    // Failure accounting, touched only by the sink thread and (read) by the reporter.
    private long failures;
    private long failuresSinceReport;
    private String lastFailure;
    private String lastFailedUnikernel;
    private String lastUnikernel;
    final Object reportLock = new Object();

    SinkRunner(LogSink sink, int capacity, SinkDispatch hub) {
        this.sink = sink;
        this.capacity = capacity;
        this.hub = hub;
        this.thread = new Thread(this::run, "umonitor-sink-" + sink.id());
        this.thread.setDaemon(true);
    }

    void start() {
        thread.start();
    }

    String id() {
        return sink.id();
    }

    int queued() {
        return queued;
    }

    int capacity() {
        return capacity;
    }

    /**
     * Queues {@code batch[from..to)}. Returns how many records were taken; the caller counts the rest
     * as dropped. {@code overshoot} lets flow-controlled input past the bound.
     */
    int offer(List<LogRecord> batch, int from, int to, boolean overshoot) {
        int n = to - from;
        lock.lock();
        try {
            // While closing, the thread still drains: take records until it has stopped, so a record published
            // meanwhile (the monitor's own reports, produced by this very drain) reaches this sink like the others.
            if (closing && drained) {
                return 0;
            }
            int room = capacity - queued;
            if (!overshoot && n > room) {
                n = Math.max(room, 0);
            }
            if (n == 0) {
                return 0;
            }
            queue.add(from == 0 && n == batch.size() ? batch : batch.subList(from, from + n));
            queued += n;
            if (waiting) {
                notEmpty.signal();
            }
            return n;
        } finally {
            lock.unlock();
        }
    }

    private void run() {
        boolean dirty = false;
        long dirtySince = 0;
        while (true) {
            List<LogRecord> batch;
            lock.lock();
            try {
                batch = queue.poll();
                if (batch == null) {
                    if (closing) {
                        drained = true;
                        break;
                    }
                    if (dirty) {
                        long linger = FLUSH_LINGER_NANOS - (System.nanoTime() - dirtySince);
                        if (linger > 0) {
                            // Not marked waiting, so offer() does not wake us: what arrives meanwhile shares one flush.
                            try {
                                notEmpty.awaitNanos(linger);
                            } catch (InterruptedException e) {
                                closing = true;
                            }
                            continue;
                        }
                        // Flush outside the lock, then look again.
                        batch = null;
                    } else {
                        waiting = true;
                        try {
                            notEmpty.await(200, TimeUnit.MILLISECONDS);
                        } catch (InterruptedException e) {
                            closing = true;
                        }
                        waiting = false;
                        continue;
                    }
                } else {
                    queued -= batch.size();
                }
            } finally {
                lock.unlock();
            }
            if (batch == null) {
                flush();
                dirty = false;
                continue;
            }
            hub.sinkProgress();
            if (!dirty) {
                dirtySince = System.nanoTime();
            }
            for (int i = 0, n = batch.size(); i < n; i++) {
                LogRecord record = batch.get(i);
                try {
                    sink.accept(record);
                    lastUnikernel = record.unikernel();
                    if (failuresSinceReport > 0) {
                        recovered(record.unikernel());
                    }
                } catch (RuntimeException | Error e) {
                    failed(record.unikernel(), e);
                }
            }
            dirty = true;
            if (System.nanoTime() - dirtySince >= MAX_FLUSH_DELAY_NANOS) {
                // A quiet sender's records must not sit in a buffer while busy ones keep the queue full.
                flush();
                dirty = false;
            }
        }
        flush();
    }

    private void flush() {
        try {
            sink.flush();
        } catch (RuntimeException | Error e) {
            failed(lastUnikernel, e);
        }
    }

    private void failed(String unikernel, Throwable e) {
        String first;
        synchronized (reportLock) {
            failures++;
            lastFailure = String.valueOf(e.getMessage());
            lastFailedUnikernel = unikernel;
            first = failuresSinceReport++ == 0 ? lastFailure : null;
        }
        if (e instanceof io.umonitor.api.spi.RecordsLostException lost && lost.unikernel() != null) {
            lost.lostByUnikernel().forEach((name, n) -> {
                if (name != null) {
                    hub.sinkDropped(name, n);
                }
            });
        } else if (unikernel != null) {
            hub.sinkDropped(unikernel, 1);
        }
        if (first != null) {
            LOG.warn("sink '{}' failed to store a record of '{}'; it keeps being fed", sink.id(), unikernel, e);
            hub.reportSinkFailure(this, unikernel, "sink '" + sink.id() + "' failed to store a record: " + first
                    + " (it keeps being fed; further failures are summed)", 1);
        }
    }

    private void recovered(String unikernel) {
        long n;
        synchronized (reportLock) {
            n = failuresSinceReport;
            failuresSinceReport = 0;
        }
        hub.reportSinkFailure(this, unikernel, "sink '" + sink.id() + "' stores records again after " + n
                + " failure(s)", 0);
    }

    /** For the reporter: failures since the last report beyond the first, or 0. */
    long takeUnreportedFailures(String[] unikernelAndMessage) {
        synchronized (reportLock) {
            long extra = failuresSinceReport - 1;
            if (extra <= 0) {
                return 0;
            }
            failuresSinceReport = 1;
            unikernelAndMessage[0] = lastFailedUnikernel;
            unikernelAndMessage[1] = lastFailure;
            return extra;
        }
    }

    long failures() {
        synchronized (reportLock) {
            return failures;
        }
    }

    /** Stops taking records, lets the thread drain what is queued, flush, then closes the sink. */
    void close(long timeoutMillis) {
        lock.lock();
        try {
            closing = true;
            notEmpty.signal();
        } finally {
            lock.unlock();
        }
        try {
            thread.join(timeoutMillis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (thread.isAlive()) {
            LOG.warn("sink '{}' did not drain within {} ms; closing it with {} record(s) still queued",
                    sink.id(), timeoutMillis, queued);
        }
        try {
            sink.close();
        } catch (RuntimeException e) {
            LOG.warn("sink '{}' failed to close", sink.id(), e);
        }
    }
}
