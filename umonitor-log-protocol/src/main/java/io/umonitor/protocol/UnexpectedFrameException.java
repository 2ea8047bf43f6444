package io.umonitor.protocol;

/**
 * A frame valid on its own arrived where its transport does not allow it (PROTOCOL.md section 5).
 *
 * @since 0.1
 */
public final class UnexpectedFrameException extends FrameProtocolException {
    public UnexpectedFrameException(String message) {
        super(ProtocolErrorCode.UNEXPECTED_FRAME, message);
    }
}
