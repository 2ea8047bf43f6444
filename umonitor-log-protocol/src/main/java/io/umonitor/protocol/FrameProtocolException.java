package io.umonitor.protocol;

import io.umonitor.api.ProtocolException;

/**
 * Common parent of the codec's exceptions: one subtype per {@link ProtocolErrorCode}. A receiver that
 * catches it closes the TCP connection, or drops the one datagram or console line, and carries on.
 *
 * <p>These exceptions carry no stack trace: the fault is always in the remote input, which the message
 * describes (where, which field, what value, what the sender must do), and filling a trace through a
 * deep server stack would make a flood of bad datagrams several times more expensive to reject.
 *
 * @since 0.1
 */
public abstract class FrameProtocolException extends ProtocolException {
    private final ProtocolErrorCode errorCode;

    FrameProtocolException(ProtocolErrorCode errorCode, String message) {
        super(message);
        this.errorCode = errorCode;
    }

    @Override
    public synchronized Throwable fillInStackTrace() {
        return this;
    }

    /** Which error of PROTOCOL.md section 6 this is. */
    public final ProtocolErrorCode errorCode() {
        return errorCode;
    }
}
