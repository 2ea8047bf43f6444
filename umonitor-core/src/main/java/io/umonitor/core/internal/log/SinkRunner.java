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
     * The least time between two flushes made because the queue ran empty. A sink that has not flushed for
     * this long flushes as soon as its queue runs dry, so a record that arrives after a pause waits for no
     * timer; under a steady trickle (paced UDP, many small batches) the batches that arrive within this
     * interval of the last flush share the next one, so a flush (one write system call per file) is not
     * paid per small batch.
     */
    static final long MIN_FLUSH_INTERVAL_NANOS = TimeUnit.MICROSECONDS.toNanos(100);
    /**
     * A flush costs one write per file with buffered records: with a thousand busy senders, thousands of writes.
     * The pause after a flush made because the queue ran dry is at least this many times what that flush took,
     * so flushing takes at most about a tenth of the sink thread's time, and each write carries more records.
     * Measured in the thread's CPU time, so a flush that was merely preempted on a busy machine does not hold
     * back the next one.
     */
    static final int FLUSH_COST_FACTOR = 10;
    /** The longest a record waits for a flush while the queue never runs empty (sustained load). */
    static final long MAX_FLUSH_DELAY_NANOS = TimeUnit.MILLISECONDS.toNanos(100);

    private final LogSink sink;
    private final int capacity;
    private final SinkDispatch hub;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition notEmpty = lock.newCondition();
    private final ArrayDeque<Queued> queue = new ArrayDeque<>();
    /** The sink queues' share of the memory budget: records are counted from offer until the sink took them. */
    private final MemoryBudget.Share bytes;

    private record Queued(List<LogRecord> records, long bytes) {
    }
    private final Thread thread;
    private volatile int queued;
    private boolean waiting;
    private boolean closing;
    private boolean drained; // the thread saw the queue empty after closing and stopped: nothing more is taken

    // Failure accounting: written by the sink thread, read and reset by the reporter, under reportLock.
    // A failure is reported at once only when nothing was reported for a whole report interval; otherwise
    // it is summed and the reporter says it at its next tick, so a sink failing on every record costs one
    // report per interval. The sink counts as recovered only once a flush has really reached it.
    private long failures;
    private long failuresSinceReport;
    private long droppedSinceReport;
    private String lastFailure;
    private String lastFailedUnikernel;
    private String lastUnikernel;
    private volatile boolean failing;
    private volatile long reportsKeptOut;
    /** Records accepted since the last failure: a flush that succeeds with none proves nothing. */
    private long acceptedSinceFailure;
    private boolean recoveryUnreported;
    private long failuresInEpisode;
    private long lastReportNanos;
    private final long reportIntervalNanos;
    final Object reportLock = new Object();

    SinkRunner(LogSink sink, int capacity, SinkDispatch hub) {
        this.sink = sink;
        this.capacity = capacity;
        this.hub = hub;
        this.bytes = hub.budget().sinkQueues;
        this.reportIntervalNanos = hub.reportInterval().toNanos();
        this.lastReportNanos = System.nanoTime() - reportIntervalNanos;
        this.thread = new Thread(this::runGuarded, "umonitor-sink-" + sink.id());
        this.thread.setDaemon(true);
    }

    void start() {
        thread.start();
    }

    String id() {
        return sink.id();
    }

    /** Asks a file sink to reopen its files at their paths; other sinks have nothing to reopen. */
    void reopen() {
        if (sink instanceof io.umonitor.core.sink.FileSink files) {
            files.reopen();
        }
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
            // The byte bound: flow-controlled input is taken whole (its collector waits before reading more);
            // the rest is cut where the sink queues' share would overflow.
            long size = 0;
            long free = overshoot ? Long.MAX_VALUE : bytes.limit() - bytes.used();
            for (int i = 0; i < n; i++) {
                long s = MemoryBudget.sizeOf(batch.get(from + i));
                if (size + s > free) {
                    n = i;
                    break;
                }
                size += s;
            }
            if (n == 0) {
                return 0;
            }
            bytes.acquire(size);
            queue.add(new Queued(from == 0 && n == batch.size() ? batch : batch.subList(from, from + n), size));
            queued += n;
            if (waiting) {
                notEmpty.signal();
            }
            return n;
        } finally {
            lock.unlock();
        }
    }

    /** A failure outside the per-record handling (e.g. OutOfMemoryError) is reported and the loop goes on. */
    private void runGuarded() {
        while (true) {
            try {
                run();
                return;
            } catch (RuntimeException | Error e) {
                threadFailures++;
                LOG.error("the thread of sink '{}' failed ({} time(s)); it carries on with the next batch", sink.id(),
                        threadFailures, e);
            }
        }
    }

    private volatile long threadFailures;

    long threadFailures() {
        return threadFailures;
    }

    private void run() {
        boolean dirty = false;
        long dirtySince = 0;
        long lastFlush = System.nanoTime() - MIN_FLUSH_INTERVAL_NANOS;
        long flushPause = MIN_FLUSH_INTERVAL_NANOS;
        while (true) {
            List<LogRecord> batch;
            long batchBytes = 0;
            lock.lock();
            try {
                Queued q = queue.poll();
                batch = q == null ? null : q.records();
                batchBytes = q == null ? 0 : q.bytes();
                if (batch == null) {
                    if (closing) {
                        drained = true;
                        break;
                    }
                    if (dirty) {
                        long linger = flushPause - (System.nanoTime() - lastFlush);
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
                long began = threadCpuNanos();
                flush();
                lastFlush = System.nanoTime();
                flushPause = Math.min(MAX_FLUSH_DELAY_NANOS / 2,
                        Math.max(MIN_FLUSH_INTERVAL_NANOS, FLUSH_COST_FACTOR * (threadCpuNanos() - began)));
                dirty = false;
                continue;
            }
            hub.sinkProgress();
            if (!dirty) {
                dirtySince = System.nanoTime();
            }
            for (int i = 0, n = batch.size(); i < n; i++) {
                LogRecord record = batch.get(i);
                if (failing && isDroppedReport(record)) {
                    // Reporting records this sink dropped into this very sink would lose the report too, count
                    // it as dropped, and report that: a loop that feeds itself as long as the sink fails.
                    reportsKeptOut++;
                    continue;
                }
                try {
                    sink.accept(record);
                    lastUnikernel = record.unikernel();
                    acceptedSinceFailure++;
                } catch (RuntimeException | Error e) {
                    failed(record.unikernel(), e);
                }
            }
            bytes.release(batchBytes);
            hub.sinkProgress();
            dirty = true;
            if (System.nanoTime() - dirtySince >= MAX_FLUSH_DELAY_NANOS) {
                // A quiet sender's records must not sit in a buffer while busy ones keep the queue full.
                flush();
                lastFlush = System.nanoTime();
                dirty = false;
            }
        }
        flush();
    }

    private static final java.lang.management.ThreadMXBean THREADS = cpuTimer();

    private static java.lang.management.ThreadMXBean cpuTimer() {
        java.lang.management.ThreadMXBean threads = java.lang.management.ManagementFactory.getThreadMXBean();
        return threads.isCurrentThreadCpuTimeSupported() ? threads : null;
    }

    /** This thread's CPU time; without that measure (some JVMs), 0, so flushes are paced by the interval alone. */
    private static long threadCpuNanos() {
        return THREADS == null ? 0 : THREADS.getCurrentThreadCpuTime();
    }

    private void flush() {
        try {
            sink.flush();
        } catch (RuntimeException | Error e) {
            failed(lastUnikernel, e);
            return;
        }
        boolean failedBefore;
        synchronized (reportLock) {
            failedBefore = failing && acceptedSinceFailure > 0;
            if (failedBefore) {
                failing = false;
                recoveryUnreported = true;
            }
        }
        if (failedBefore) {
            reportDue();
        }
    }

    private void failed(String unikernel, Throwable e) {
        long dropped = countDropped(unikernel, e);
        acceptedSinceFailure = 0;
        boolean firstOfEpisode;
        synchronized (reportLock) {
            failures++;
            failuresSinceReport++;
            droppedSinceReport += dropped;
            lastFailure = String.valueOf(e.getMessage());
            lastFailedUnikernel = unikernel;
            firstOfEpisode = !failing && !recoveryUnreported;
            failing = true;
            recoveryUnreported = false;
            if (firstOfEpisode) {
                failuresInEpisode = 0;
            }
            failuresInEpisode++;
        }
        if (firstOfEpisode) {
            // The stack trace once per episode: the rest of it is the same failure again.
            LOG.debug("sink '{}' failure detail", sink.id(), e);
        }
        reportDue();
    }

    /** Counts the records a failure lost against their unikernels; returns how many. */
    private long countDropped(String unikernel, Throwable e) {
        long total = 0;
        boolean counted = false;
        for (Throwable t : withSuppressed(e)) {
            if (t instanceof io.umonitor.api.spi.RecordsLostException lost) {
                // Each unikernel's losses against its own counter (an exporter may lose several at once).
                for (var entry : lost.lostByUnikernel().entrySet()) {
                    if (entry.getKey() != null) {
                        hub.sinkDropped(entry.getKey(), entry.getValue());
                        total += entry.getValue();
                        counted = true;
                    }
                }
            }
        }
        if (!counted && unikernel != null) {
            hub.sinkDropped(unikernel, 1);
            total = 1;
        }
        return total;
    }

    private static List<Throwable> withSuppressed(Throwable e) {
        List<Throwable> all = new java.util.ArrayList<>();
        all.add(e);
        all.addAll(List.of(e.getSuppressed()));
        return all;
    }

    /**
     * Reports failures or a recovery not yet reported, unless something was reported less than a report
     * interval ago (the reporter calls this again at each tick). Never blocks the sink on its own report:
     * the hub keeps a sink's failure reports out of that sink.
     */
    void reportDue() {
        String message;
        String unikernel;
        long failed;
        synchronized (reportLock) {
            long now = System.nanoTime();
            if (now - lastReportNanos < reportIntervalNanos || (failuresSinceReport == 0 && !recoveryUnreported)) {
                return;
            }
            unikernel = lastFailedUnikernel;
            if (failuresSinceReport > 0) {
                failed = failuresSinceReport;
                message = "sink '" + sink.id() + "' failed " + failuresSinceReport + " time(s), " + droppedSinceReport
                        + " record(s) not stored; " + (failing ? "still failing" : "stores records again")
                        + "; last error: " + lastFailure;
            } else {
                failed = 0;
                message = "sink '" + sink.id() + "' stores records again after " + failuresInEpisode + " failure(s)";
            }
            if (!failing) {
                recoveryUnreported = false;
            }
            failuresSinceReport = 0;
            droppedSinceReport = 0;
            lastReportNanos = now;
        }
        if (failed > 0) {
            LOG.warn("{} (records of '{}')", message, unikernel);
        } else {
            LOG.info("{}", message);
        }
        hub.reportSinkFailure(this, unikernel, message, failed);
    }

    private static boolean isDroppedReport(LogRecord record) {
        if (record.origin() != io.umonitor.api.LogOrigin.MONITOR) {
            return false;
        }
        for (io.umonitor.api.Attribute a : record.attributes()) {
            if (a.key().equals(CounterReports.DROPPED_REPORT_ATTRIBUTE)) {
                return true;
            }
        }
        return false;
    }

    /** The hub's reports of dropped records not fed to this sink while it was failing. */
    long reportsKeptOut() {
        return reportsKeptOut;
    }

    /**
     * Reports of this sink's own failures, never offered to it (they would fail with it): with
     * {@link #reportsKeptOut} and the records its failures dropped, every record the sink did not get is counted.
     */
    private final java.util.concurrent.atomic.AtomicLong failureReportsWithheld = new java.util.concurrent.atomic.AtomicLong();

    void failureReportWithheld() {
        failureReportsWithheld.incrementAndGet();
    }

    long failureReportsWithheld() {
        return failureReportsWithheld.get();
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
