package io.umonitor.core.internal.log;

import io.umonitor.api.Attribute;
import io.umonitor.api.LogLevel;
import io.umonitor.api.LogRecord;
import io.umonitor.api.spi.LogSink;
import java.util.List;

/**
 * Hands records to every sink's {@link SinkRunner} and applies backpressure: TCP input (flow-controlled)
 * waits for queue room instead of being dropped; UDP, console and monitor records are cut at the queue
 * bound and the overflow is counted as dropped against the sender it came from.
 */
final class SinkDispatch {
    private final SenderRegistry registry;
    private final SinkRunner[] runners;
    private final Object room = new Object();
    private volatile boolean tcpWaiting;
    private volatile boolean runnersClosed;

    /** Starts one thread per sink; the sinks must already be opened (they are closed by {@link #close}). */
    SinkDispatch(List<LogSink> sinks, int queueCapacity, SenderRegistry registry) {
        this.registry = registry;
        this.runners = sinks.stream().map(s -> new SinkRunner(s, queueCapacity, this)).toArray(SinkRunner[]::new);
        for (SinkRunner r : runners) {
            r.start();
        }
    }

    void dispatch(List<LogRecord> batch, boolean flowControlled) {
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
        LogRecord record = MonitorRecords.of(s.name(), level, message, attributes);
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

    void reportSinkFailure(SinkRunner runner, String unikernel, String message, long failures) {
        SenderState s = unikernel == null ? null : registry.get(unikernel);
        if (s != null) {
            monitorRecord(s, failures > 0 ? LogLevel.ERROR : LogLevel.INFO, message,
                    List.of(Attribute.of("sink", runner.id()), Attribute.of("sink.failures", failures)));
        }
    }

    /** For the periodic report: sums up failures of each sink beyond the first one already reported. */
    void reportUnreportedFailures() {
        String[] detail = new String[2];
        for (SinkRunner r : runners) {
            long extra = r.takeUnreportedFailures(detail);
            if (extra > 0) {
                reportSinkFailure(r, detail[0], "sink '" + r.id() + "' failed " + extra
                        + " more time(s); last error: " + detail[1], extra);
            }
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
