package io.umonitor.protocol;

/**
 * Bad magic, a CRC mismatch, an unknown frame type or a malformed body.
 *
 * @since 0.1
 */
public final class CorruptFrameException extends FrameProtocolException {
    public CorruptFrameException(String message) {
        super(ProtocolErrorCode.CORRUPT_FRAME, message);
    }
}
