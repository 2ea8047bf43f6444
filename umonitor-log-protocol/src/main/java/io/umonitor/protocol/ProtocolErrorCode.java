package io.umonitor.protocol;

/**
 * The error codes of PROTOCOL.md section 6; the test vectors name them in their {@code error} field.
 *
 * @since 0.1
 */
public enum ProtocolErrorCode {
    /** Bad magic, CRC mismatch, unknown type or a malformed body. */
    CORRUPT_FRAME,
    /** The body length field exceeds the receiver's maximum. */
    FRAME_TOO_LONG,
    /** A version byte other than 1. */
    UNSUPPORTED_VERSION,
    /** A frame valid on its own in the wrong place for its transport. */
    UNEXPECTED_FRAME,
    /** The input ended in the middle of a frame. */
    TRUNCATED
}
