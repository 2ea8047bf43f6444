package io.umonitor.api;

import java.util.Collections;
import java.util.EnumMap;
import java.util.Map;
import java.util.Objects;

/**
 * Counters for one unikernel's log stream.
 *
 * @param received records accepted from the unikernel (all origins)
 * @param lost records missing from sequence gaps (dropped by the client or in transit), an unsigned 64-bit
 *     count (print it with {@link Long#toUnsignedString(long)})
 * @param rejected frames, datagrams, connections or console lines refused (bad token, protocol error)
 * @param dropped records accepted but dropped before a sink stored them (queue overflow, rate limit)
 * @param rejectedByReason {@code rejected} split by {@link RejectReason}: unmodifiable, only the reasons
 *     counted at least once, in the enum's order; its values sum to {@code rejected}
 * @since 0.1
 */
public record LogStats(long received, long lost, long rejected, long dropped,
        Map<RejectReason, Long> rejectedByReason) {
    public static final LogStats ZERO = new LogStats(0, 0, 0, 0);

    /**
     * @throws IllegalArgumentException when {@code rejectedByReason} holds a count below 1 or does not sum
     *     to {@code rejected}
     * @since 0.2
     */
    public LogStats {
        EnumMap<RejectReason, Long> byReason = new EnumMap<>(RejectReason.class);
        long sum = 0;
        for (Map.Entry<RejectReason, Long> e : Objects.requireNonNull(rejectedByReason, "rejectedByReason")
                .entrySet()) {
            long n = Objects.requireNonNull(e.getValue(), "count");
            if (n < 1) {
                throw new IllegalArgumentException("rejectedByReason counts must be positive: " + rejectedByReason);
            }
            byReason.put(Objects.requireNonNull(e.getKey(), "reason"), n);
            sum += n;
        }
        if (sum != rejected) {
            throw new IllegalArgumentException("rejectedByReason " + rejectedByReason + " sums to " + sum
                    + ", not to rejected=" + rejected);
        }
        rejectedByReason = Collections.unmodifiableMap(byReason);
    }

    /** Counters without a split by reason: any rejections count as {@link RejectReason#OTHER}. */
    public LogStats(long received, long lost, long rejected, long dropped) {
        this(received, lost, rejected, dropped, rejected == 0 ? Map.of() : Map.of(RejectReason.OTHER, rejected));
    }

    /** As records print, with the split by reason only when something was rejected. */
    @Override
    public String toString() {
        return "LogStats[received=" + received + ", lost=" + lost + ", rejected=" + rejected
                + ", dropped=" + dropped + (rejected == 0 ? "" : ", rejectedByReason=" + rejectedByReason) + "]";
    }
}
