package io.umonitor.protocol;

import io.umonitor.api.ProtocolException;

/**
 * Common parent of the codec's exceptions: one subtype per {@link ProtocolErrorCode}. A receiver that
 * catches it closes the TCP connection, or drops the one datagram or console line, and carries on.
 *
 * @since 0.1
 */
public abstract class FrameProtocolException extends ProtocolException {
    private final ProtocolErrorCode errorCode;

    FrameProtocolException(ProtocolErrorCode errorCode, String message) {
        super(message);
        this.errorCode = errorCode;
    }

    /** Which error of PROTOCOL.md section 6 this is. */
    public final ProtocolErrorCode errorCode() {
        return errorCode;
    }
}
