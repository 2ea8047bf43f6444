package io.umonitor.api;

/**
 * Counters for one unikernel's log stream.
 *
 * @param received records accepted from the unikernel (all origins)
 * @param lost records missing from sequence gaps (dropped by the client or in transit), an unsigned 64-bit
 *     count (print it with {@link Long#toUnsignedString(long)})
 * @param rejected frames or datagrams refused (bad token, protocol error)
 * @param dropped records accepted but dropped before a sink stored them (queue overflow, rate limit)
 * @since 0.1
 */
public record LogStats(long received, long lost, long rejected, long dropped) {
    public static final LogStats ZERO = new LogStats(0, 0, 0, 0);
}
