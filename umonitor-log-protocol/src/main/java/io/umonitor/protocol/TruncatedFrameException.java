package io.umonitor.protocol;

/**
 * The input (connection, datagram or console line) ended in the middle of a frame.
 *
 * @since 0.1
 */
public final class TruncatedFrameException extends FrameProtocolException {
    public TruncatedFrameException(String message) {
        super(ProtocolErrorCode.TRUNCATED, message);
    }
}
