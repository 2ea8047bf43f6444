package io.umonitor.protocol;

/**
 * A header announced a body longer than the receiver's maximum; detected from the header alone, before anything was buffered.
 *
 * @since 0.1
 */
public final class FrameTooLongException extends FrameProtocolException {
    public FrameTooLongException(String message) {
        super(ProtocolErrorCode.FRAME_TOO_LONG, message);
    }
}
