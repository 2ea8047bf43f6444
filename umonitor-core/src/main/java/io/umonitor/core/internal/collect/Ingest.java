package io.umonitor.core.internal.collect;

import io.umonitor.api.LogOrigin;
import io.umonitor.api.LogRecord;
import io.umonitor.api.RejectReason;
import io.umonitor.core.internal.log.SenderState;
import io.umonitor.protocol.Hello;
import java.util.List;

/**
 * What the collectors need from the hub. Implementations are thread-safe. A {@code peer} (a socket
 * address) is turned into text only when something is reported, never on the hot path.
 */
public interface Ingest {

    /**
     * Checks a HELLO's name and token. Returns the sender, or null after counting and reporting the
     * rejection (the caller then closes the connection or drops the datagram).
     */
    SenderState authenticate(Hello hello, LogOrigin origin, Object peer);

    /**
     * The sender called {@code name}, for input that names its sender without a token (syslog): when
     * {@code registeredOnly}, only a unikernel the monitor launched and still runs; otherwise also a new
     * attached sender (bounded like attach mode). Null when there is none (the caller counts the rejection).
     */
    SenderState senderNamed(String name, boolean registeredOnly);

    /** A protocol error or other refusal attributable to an authenticated sender, counted under {@code code}. */
    void rejected(SenderState sender, LogOrigin origin, Object peer, RejectReason code, String reason);

    /** A refusal before any sender could be identified (garbage before a HELLO, unknown name). */
    void rejectedUnattributed(LogOrigin origin, Object peer, String reason);

    /**
     * Hands records to the sinks. The records have already been appended to their senders' histories.
     * {@code flowControlled} input (TCP) is never dropped here: its collector waits for room instead.
     */
    void dispatch(List<LogRecord> batch, boolean flowControlled);

    /**
     * Returns true at once while the sinks have room for flow-controlled input; otherwise waits up to
     * {@code timeoutMillis} for them to drain and says whether they did.
     */
    boolean awaitTcpRoom(long timeoutMillis) throws InterruptedException;

    /** Says something about a sender's connection in that sender's log (an INFO MONITOR record). */
    void notice(SenderState sender, String message);

    /** A protocol error for a rejection notice: its PROTOCOL.md error code first, when it has one. */
    static String describe(RuntimeException e) {
        return e instanceof io.umonitor.protocol.FrameProtocolException f ? f.errorCode() + ": " + f.getMessage()
                : e.getMessage();
    }

    /** A protocol error's PROTOCOL.md code as a rejection reason; {@link RejectReason#OTHER} when it has none. */
    static RejectReason codeOf(RuntimeException e) {
        return e instanceof io.umonitor.protocol.FrameProtocolException f ? RejectReason.valueOf(f.errorCode().name())
                : RejectReason.OTHER;
    }
}
