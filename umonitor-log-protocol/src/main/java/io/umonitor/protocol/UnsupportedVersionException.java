package io.umonitor.protocol;

/**
 * A frame header carries a version other than 1.
 *
 * @since 0.1
 */
public final class UnsupportedVersionException extends FrameProtocolException {
    public UnsupportedVersionException(String message) {
        super(ProtocolErrorCode.UNSUPPORTED_VERSION, message);
    }
}
