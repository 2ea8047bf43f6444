package io.umonitor.core.internal.log;

import io.umonitor.api.Attribute;
import io.umonitor.api.AttributeValue;
import io.umonitor.api.LogLevel;
import io.umonitor.api.LogOrigin;
import io.umonitor.api.RejectReason;
import io.umonitor.core.internal.collect.TcpCollector;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns counters into MONITOR records of the sender they concern: records lost, dropped and rejected,
 * and sink failures; forgets idle attached senders on the same timer, and gathers the monitor-wide
 * {@linkplain #counters counters}. Each change is reported at most once per interval, and only the first few
 * rejections of an interval are reported one by one, so a misbehaving sender cannot flood its own log
 * with reports. Runs on its own timer thread.
 */
final class CounterReports implements SenderRegistry.Refusals {
    /** Under the hub's name, which operators already tune (the soak command silences rejections there). */
    private static final Logger LOG = LoggerFactory.getLogger(DefaultLogHub.class);
    /**
     * Rejections of one sender written out in full per report interval; the rest are summed. High enough
     * that a client author sees each distinct mistake of a test run (a conformance run makes about ten),
     * low enough that a flood of bad input cannot flood the log with notices.
     */
    private static final int DETAILED_REPORTS_PER_INTERVAL = 20;
    /** The attribute of the periodic "records dropped" report; a failing sink is not fed these reports. */
    static final String DROPPED_REPORT_ATTRIBUTE = "dropped";

    private final SenderRegistry registry;
    private final SinkDispatch sinks;
    private final Duration interval;
    private final Duration attachedIdleEviction;
    private final ScheduledExecutorService reporter;
    private final AtomicLong unattributedRejections = new AtomicLong();
    private final AtomicInteger unattributedLogged = new AtomicInteger();

    /** @param attachedIdleEviction only for the log line saying attached senders were forgotten */
    CounterReports(SenderRegistry registry, SinkDispatch sinks, Duration interval, Duration attachedIdleEviction) {
        this.registry = registry;
        this.sinks = sinks;
        this.interval = interval;
        this.attachedIdleEviction = attachedIdleEviction;
        this.reporter = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "umonitor-log-reporter");
            t.setDaemon(true);
            return t;
        });
        long nanos = interval.toNanos();
        reporter.scheduleAtFixedRate(this::reportSafely, nanos, nanos, TimeUnit.NANOSECONDS);
    }

    /** Rejections that could not be attributed to any sender (garbage before a HELLO, unknown names). */
    long unattributedRejections() {
        return unattributedRejections.get();
    }

    @Override
    public void rejected(SenderState sender, LogOrigin origin, Object peer, RejectReason code, String reason) {
        sender.rejected(code);
        if (sender.detailedReports.incrementAndGet() <= DETAILED_REPORTS_PER_INTERVAL) {
            sinks.monitorRecord(sender, LogLevel.WARN, "rejected " + origin + " input from " + peer + ": " + reason,
                    List.of(Attribute.of("rejected", 1), Attribute.of("origin", origin.name()),
                            Attribute.of("reason", code.name())));
        } else {
            sender.pendingRejected.incrementAndGet();
        }
    }

    @Override
    public void rejectedUnattributed(LogOrigin origin, Object peer, String reason) {
        unattributedRejections.incrementAndGet();
        if (unattributedLogged.incrementAndGet() <= DETAILED_REPORTS_PER_INTERVAL) {
            LOG.warn("rejected {} log input from {}: {}", origin, peer, reason);
        }
    }

    /** A sender's own notice (e.g. why its connection was closed) as an INFO record of that sender. */
    void notice(SenderState sender, String message) {
        sinks.monitorRecord(sender, LogLevel.INFO, message, List.of());
    }

    /**
     * The monitor-wide counters of the logging half ({@link LogHub#counters()}), by name in a stable order:
     * TCP admission, input refused before a sender was known, memory held per share, collector and sink
     * failures.
     */
    Map<String, Long> counters(CollectorEndpoints collectors, MemoryBudget budget) {
        Map<String, Long> c = new LinkedHashMap<>();
        TcpCollector.AdmissionStats a = collectors.admissionStats();
        c.put("tcp.connections.pending", (long) a.pending());
        c.put("tcp.connections.launched", (long) a.launched());
        c.put("tcp.connections.attached", (long) a.attached());
        c.put("tcp.refused.helloTimeout", a.helloTimeouts());
        c.put("tcp.refused.pendingEvicted", a.pendingEvicted());
        c.put("tcp.refused.perPeer", a.refusedPerPeer());
        c.put("tcp.refused.noSlot", a.refusedNoSlot());
        c.put("tcp.refused.attachedShare", a.refusedAttached());
        c.put("tcp.closed.idle", a.idleTimeouts());
        c.put("input.refused.unattributed", unattributedRejections.get());
        c.put("memory.budget", budget.total());
        c.put("memory.histories", budget.history.used());
        c.put("memory.sinkQueues", budget.sinkQueues.used());
        c.put("memory.followers", budget.followers.used());
        c.put("memory.connections", budget.connections.used());
        collectors.counters(c);
        sinks.counters(c);
        return c;
    }

    private void reportSafely() {
        try {
            report();
        } catch (RuntimeException | Error e) {
            // An exception escaping a scheduled task would cancel every later run: report and go on.
            LOG.warn("reporting log counters failed; will try again", e);
        }
    }

    private void report() {
        int evicted = registry.evictIdleAttached();
        if (evicted > 0) {
            LOG.info("forgot {} attached sender(s) idle for more than {} ms (log.attachedIdleMs); {} kept", evicted,
                    attachedIdleEviction.toMillis(), registry.size());
        }
        for (SenderState s : registry.all()) {
            s.detailedReports.set(0);
            long[] loss = s.takeLossReport();
            String total = Long.toUnsignedString(loss[2]) + " lost in total";
            if (loss[0] != 0) {
                sinks.monitorRecord(s, LogLevel.WARN, Long.toUnsignedString(loss[0]) + " record(s) lost before "
                        + "reaching umonitor (sequence gaps); " + total,
                        List.of(new Attribute("lost", new AttributeValue.UInt(loss[0]))));
            }
            if (loss[1] != 0) {
                sinks.monitorRecord(s, LogLevel.INFO, Long.toUnsignedString(loss[1]) + " record(s) counted lost "
                        + "arrived late after all; " + total,
                        List.of(new Attribute("recovered", new AttributeValue.UInt(loss[1]))));
            }
            long dropped = s.pendingDropped.getAndSet(0);
            if (dropped > 0) {
                sinks.monitorRecord(s, LogLevel.WARN, dropped + " record(s) dropped by umonitor (rate limit, full "
                        + "sink queue or sink failure); " + s.dropped.get() + " dropped in total",
                        List.of(Attribute.of(DROPPED_REPORT_ATTRIBUTE, dropped)));
            }
            long rejected = s.pendingRejected.getAndSet(0);
            if (rejected > 0) {
                sinks.monitorRecord(s, LogLevel.WARN, rejected + " more connection(s), datagram(s) or line(s) "
                        + "rejected; " + s.rejected.get() + " rejected in total",
                        List.of(Attribute.of("rejected", rejected)));
            }
        }
        sinks.reportDue();
        int logged = unattributedLogged.getAndSet(0);
        if (logged > DETAILED_REPORTS_PER_INTERVAL) {
            LOG.warn("{} more log connection(s), datagram(s) or HELLO(s) refused before a sender was known in the last "
                    + "{} ms; {} in total", logged - DETAILED_REPORTS_PER_INTERVAL, interval.toMillis(),
                    unattributedRejections.get());
        }
    }

    /** Stops the timer and makes a last report of what changed since the previous one. */
    void close() {
        reporter.shutdownNow();
        try {
            reporter.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        reportSafely();
    }
}
