package io.umonitor.core.internal.log;

import io.umonitor.api.Attribute;
import io.umonitor.api.LogLevel;
import io.umonitor.api.LogRecord;
import io.umonitor.api.spi.LogSink;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * Hands records to every sink's {@link SinkRunner} and applies backpressure: TCP input (flow-controlled)
 * waits for queue room instead of being dropped; UDP, console and monitor records are cut at the queue
 * bound (in records, and in bytes at the sink queues' share of the {@link MemoryBudget}) and the overflow
 * is counted as dropped against the sender it came from.
 */
final class SinkDispatch {
    private final SenderRegistry registry;
    private final MemoryBudget budget;
    private final Duration reportInterval;
    private final SinkRunner[] runners;
    private final Object room = new Object();
    private volatile boolean tcpWaiting;
    private volatile boolean runnersClosed;

    /** Starts one thread per sink; the sinks must already be opened (they are closed by {@link #close}). */
    SinkDispatch(List<LogSink> sinks, int queueCapacity, SenderRegistry registry, MemoryBudget budget,
            Duration reportInterval) {
        this.registry = registry;
        this.budget = budget;
        this.reportInterval = reportInterval;
        this.runners = sinks.stream().map(s -> new SinkRunner(s, queueCapacity, this)).toArray(SinkRunner[]::new);
        for (SinkRunner r : runners) {
            r.start();
        }
    }

    /** The memory budget whose sink-queue share the runners count their queued records against. */
    MemoryBudget budget() {
        return budget;
    }

    /** How often a sink's failures are reported at most (once per interval, summed). */
    Duration reportInterval() {
        return reportInterval;
    }

    void dispatch(List<LogRecord> batch, boolean flowControlled) {
        registry.trimHistoriesIfOver();
        for (SinkRunner r : runners) {
            int taken = r.offer(batch, 0, batch.size(), flowControlled);
            if (taken < batch.size()) {
                countDropped(batch, taken, batch.size());
            }
        }
    }

    /** A MONITOR record about {@code s}: into its history, to its followers and to the sinks. */
    void monitorRecord(SenderState s, LogLevel level, String message, List<Attribute> attributes) {
        if (runnersClosed) {
            return;
        }
        LogRecord record = MonitorRecords.of(s, level, message, attributes);
        s.append(record);
        dispatch(List.of(record), false);
    }

    private void countDropped(List<LogRecord> batch, int from, int to) {
        String lastName = null;
        long run = 0;
        for (int i = from; i < to; i++) {
            String name = batch.get(i).unikernel();
            if (!name.equals(lastName)) {
                addDropped(lastName, run);
                lastName = name;
                run = 0;
            }
            run++;
        }
        addDropped(lastName, run);
    }

    private void addDropped(String name, long n) {
        if (name != null && n > 0) {
            SenderState s = registry.get(name);
            if (s != null) {
                s.dropped(n);
            }
        }
    }

    private boolean belowMark(int numerator) {
        if (!budget.sinkQueues.belowQuarters(numerator)) {
            return false;
        }
        for (SinkRunner r : runners) {
            if (r.queued() > (long) r.capacity() * numerator / 4) {
                return false;
            }
        }
        return true;
    }

    /**
     * Returns true at once while the sinks have room for flow-controlled input; otherwise waits up to
     * {@code timeoutMillis} for them to drain and says whether they did.
     */
    boolean awaitTcpRoom(long timeoutMillis) throws InterruptedException {
        if (belowMark(3)) {
            return true;
        }
        synchronized (room) {
            tcpWaiting = true;
            try {
                if (!belowMark(2)) {
                    room.wait(timeoutMillis);
                }
            } finally {
                tcpWaiting = false;
            }
        }
        return belowMark(2);
    }

    /** Called by a sink thread each time it takes a batch: wakes a paused TCP collector once there is room. */
    void sinkProgress() {
        if (tcpWaiting && belowMark(2)) {
            synchronized (room) {
                room.notifyAll();
            }
        }
    }

    void sinkDropped(String unikernel, long records) {
        SenderState s = registry.get(unikernel);
        if (s != null) {
            s.dropped(records);
        }
    }

    /** A sink's failure report: into history, followers and every other sink, never into the failing one. */
    void reportSinkFailure(SinkRunner runner, String unikernel, String message, long failures) {
        SenderState s = unikernel == null ? null : registry.get(unikernel);
        if (s == null || runnersClosed) {
            return;
        }
        LogRecord record = MonitorRecords.of(s, failures > 0 ? LogLevel.ERROR : LogLevel.INFO, message,
                List.of(Attribute.of("sink", runner.id()), Attribute.of("sink.failures", failures)));
        s.append(record);
        List<LogRecord> batch = List.of(record);
        for (SinkRunner r : runners) {
            // A recovery report may go into the recovered sink; a failure report never into the failing one.
            if (r == runner && failures > 0) {
                r.failureReportWithheld();
            } else if (r.offer(batch, 0, 1, false) < 1) {
                countDropped(batch, 0, 1);
            }
        }
    }

    /** For the periodic report: each sink reports failures or a recovery it has not reported yet. */
    void reportDue() {
        for (SinkRunner r : runners) {
            r.reportDue();
        }
    }

    /** Asks every file-writing sink to close its files and open them afresh at their paths (after logrotate). */
    void reopenFiles() {
        for (SinkRunner r : runners) {
            r.reopen();
        }
    }

    /**
     * Per sink: records waiting in its queue now, failures, dropped-records reports kept out of it while it failed, reports of its own failures
     * withheld from it, failures of its thread.
     */
    void counters(Map<String, Long> into) {
        for (SinkRunner r : runners) {
            into.put("sink." + r.id() + ".queued", (long) r.queued());
            into.put("sink." + r.id() + ".failures", r.failures());
            into.put("sink." + r.id() + ".reportsKeptOut", r.reportsKeptOut());
            into.put("sink." + r.id() + ".failureReportsWithheld", r.failureReportsWithheld());
            into.put("sink." + r.id() + ".threadFailures", r.threadFailures());
        }
    }

    /** Failures of the sink with this id since the hub started (0 for an unknown id). */
    long sinkFailures(String sinkId) {
        for (SinkRunner r : runners) {
            if (r.id().equals(sinkId)) {
                return r.failures();
            }
        }
        return 0;
    }

    /** Wakes a TCP collector waiting for room, so it can see that the hub closes. */
    void wakeWaiting() {
        synchronized (room) {
            room.notifyAll();
        }
    }

    /** Lets each sink drain what is queued (up to {@code timeoutMillis} each), then closes it. */
    void close(long timeoutMillis) {
        for (SinkRunner r : runners) {
            r.close(timeoutMillis);
        }
        runnersClosed = true;
    }
}
