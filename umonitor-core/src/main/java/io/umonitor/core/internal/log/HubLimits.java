package io.umonitor.core.internal.log;

import io.umonitor.api.ConfigurationException;
import io.umonitor.core.internal.collect.Admission;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The hub's defences against running out of something: connection slots, memory, sender names. Kept apart
 * from {@link LogHubSettings} (which says where and how to collect) because every value here has a
 * safe default and only an attacked or very large deployment changes it.
 *
 * @param helloTimeout a TCP connection that has not completed a valid HELLO within this time is closed
 * @param idleTimeout an authenticated TCP connection that sends nothing for this long is closed; zero: never
 * @param maxConnectionsPerPeer TCP connections one peer address may hold before its HELLO, or as an attached
 *     (not launched) sender; the connections of guests this monitor launched do not count
 * @param memoryBudgetBytes bytes of records the hub may hold at once in histories, sink queues, follower queues
 *     and connection buffers together; 0 derives it from the maximum heap ({@link #budgetFor(long)})
 * @param attachedIdleEviction an attached sender (attach mode) that sent nothing for this long is forgotten
 *     (its files stay); zero: never
 */
public record HubLimits(
        Duration helloTimeout,
        Duration idleTimeout,
        int maxConnectionsPerPeer,
        long memoryBudgetBytes,
        Duration attachedIdleEviction) {

    public HubLimits {
        Objects.requireNonNull(helloTimeout, "helloTimeout");
        Objects.requireNonNull(idleTimeout, "idleTimeout");
        Objects.requireNonNull(attachedIdleEviction, "attachedIdleEviction");
        List<String> problems = new ArrayList<>();
        if (helloTimeout.isNegative() || helloTimeout.isZero()) {
            problems.add("helloTimeout " + helloTimeout + " must be positive");
        }
        if (idleTimeout.isNegative()) {
            problems.add("idleTimeout " + idleTimeout + " must be 0 (never) or positive");
        }
        if (maxConnectionsPerPeer < 1) {
            problems.add("maxConnectionsPerPeer " + maxConnectionsPerPeer + " must be at least 1");
        }
        if (memoryBudgetBytes < 0) {
            problems.add("memoryBudgetBytes " + memoryBudgetBytes + " must be 0 (from the heap) or positive");
        } else if (memoryBudgetBytes > 0 && memoryBudgetBytes < MIN_BUDGET) {
            problems.add("memoryBudgetBytes " + memoryBudgetBytes + " is below the least workable " + MIN_BUDGET);
        }
        if (attachedIdleEviction.isNegative()) {
            problems.add("attachedIdleEviction " + attachedIdleEviction + " must be 0 (never) or positive");
        }
        if (!problems.isEmpty()) {
            throw new ConfigurationException("invalid log hub limits: " + String.join("; ", problems)
                    + ": fix these values (HubLimits.defaults() has working ones)");
        }
    }

    /** The smallest budget that still holds a few maximum-size frames per share. */
    public static final long MIN_BUDGET = 4L * 1024 * 1024;

    /** 2 s HELLO deadline, no idle timeout, 1,024 connections per peer, budget from the heap, attached senders forgotten after 10 min. */
    public static HubLimits defaults() {
        return new HubLimits(Duration.ofSeconds(2), Duration.ZERO, 1024, 0, Duration.ofMinutes(10));
    }

    /** A quarter of the maximum heap, at least {@link #MIN_BUDGET}: room for the JVM, sinks' own buffers and the rest. */
    public static long budgetFor(long maxHeapBytes) {
        return Math.max(MIN_BUDGET, maxHeapBytes / 4);
    }

    /** The budget in bytes this hub uses. */
    public long effectiveMemoryBudget() {
        return memoryBudgetBytes > 0 ? memoryBudgetBytes : budgetFor(Runtime.getRuntime().maxMemory());
    }

    public Admission admission() {
        return new Admission(helloTimeout, idleTimeout, maxConnectionsPerPeer);
    }

    public HubLimits withHelloTimeout(Duration value) {
        return new HubLimits(value, idleTimeout, maxConnectionsPerPeer, memoryBudgetBytes, attachedIdleEviction);
    }

    public HubLimits withIdleTimeout(Duration value) {
        return new HubLimits(helloTimeout, value, maxConnectionsPerPeer, memoryBudgetBytes, attachedIdleEviction);
    }

    public HubLimits withMaxConnectionsPerPeer(int value) {
        return new HubLimits(helloTimeout, idleTimeout, value, memoryBudgetBytes, attachedIdleEviction);
    }

    public HubLimits withMemoryBudgetBytes(long value) {
        return new HubLimits(helloTimeout, idleTimeout, maxConnectionsPerPeer, value, attachedIdleEviction);
    }

    public HubLimits withAttachedIdleEviction(Duration value) {
        return new HubLimits(helloTimeout, idleTimeout, maxConnectionsPerPeer, memoryBudgetBytes, value);
    }
}
