package io.umonitor.api.spi;

import io.umonitor.api.LogOrigin;
import io.umonitor.api.LogRecord;
import java.util.List;

/**
 * How a {@link CollectorExtension}'s records enter the log hub, the way the built-in TCP and UDP collectors
 * hand theirs over. Thread-safe. A {@code peer} is text for reports (e.g. {@code udp 10.0.0.2}).
 *
 * @since 0.1
 */
public interface CollectorInput {

    /**
     * The sender called {@code name}, for input that names its sender without a token: when
     * {@code launchedOnly}, only a unikernel the monitor launched and still runs; otherwise also a new attached
     * sender (bounded like attach mode). Null when there is none: the caller reports the input with
     * {@link #rejectedUnattributed}.
     */
    CollectorSender sender(String name, boolean launchedOnly);

    /** Input refused that belongs to {@code sender} (malformed, over a limit): counted and reported in its log. */
    void rejected(CollectorSender sender, LogOrigin origin, String peer, String reason);

    /** Input refused before any sender could be identified: counted and reported monitor-wide. */
    void rejectedUnattributed(LogOrigin origin, String peer, String reason);

    /**
     * Hands records, already appended with {@link CollectorSender#append}, to the sinks. {@code flowControlled}
     * input (a stream the collector can stop reading) is never dropped here: call {@link #awaitRoom} before.
     */
    void dispatch(List<LogRecord> records, boolean flowControlled);

    /**
     * True at once while the sinks have room for flow-controlled input; otherwise waits up to
     * {@code timeoutMillis} for them to drain and says whether they did.
     */
    boolean awaitRoom(long timeoutMillis) throws InterruptedException;
}
