package io.umonitor.protocol;

/**
 * Constants of log protocol v1 (PROTOCOL.md). Everything a receiver or sender needs to size buffers.
 *
 * @since 0.1
 */
public final class WireFormat {
    /** First magic byte, ASCII {@code U}. */
    public static final int MAGIC_0 = 0x55;
    /** Second magic byte, ASCII {@code M}. */
    public static final int MAGIC_1 = 0x4D;
    /** The protocol version this codec speaks. */
    public static final int VERSION = 1;

    public static final int TYPE_HELLO = 0x01;
    public static final int TYPE_RECORD = 0x02;
    public static final int TYPE_GOODBYE = 0x03;

    /** Magic, version, type and body length. */
    public static final int HEADER_LENGTH = 8;
    /** The CRC-32 after the body. */
    public static final int TRAILER_LENGTH = 4;
    /** Header plus trailer: a frame is its body length plus this. */
    public static final int FRAME_OVERHEAD = HEADER_LENGTH + TRAILER_LENGTH;

    /** The longest frame a sender may send and every receiver must accept (section 3). */
    public static final int MAX_FRAME_LENGTH = 65_535;
    /** The maximum receivers use unless configured lower. */
    public static final int DEFAULT_MAX_FRAME_LENGTH = MAX_FRAME_LENGTH;
    /** The longest body: {@code MAX_FRAME_LENGTH - FRAME_OVERHEAD}. */
    public static final int MAX_BODY_LENGTH = MAX_FRAME_LENGTH - FRAME_OVERHEAD;
    /** The largest UDP payload a datagram may carry (section 5.2). */
    public static final int MAX_DATAGRAM_LENGTH = 65_507;
    /** The longest frame every console receiver must accept (section 5.3). */
    public static final int MIN_CONSOLE_FRAME_LENGTH = 4_096;
    /** What starts a console line carrying a frame (section 5.3). */
    public static final String CONSOLE_MARKER = "@UM1:";

    /** Flag bit 0 of a RECORD: the timestamp is monotonic. */
    public static final int FLAG_MONOTONIC = 0x01;
    /** Flag bit 1 of a RECORD: no timestamp. */
    public static final int FLAG_NO_TIMESTAMP = 0x02;

    public static final int ATTR_NULL = 0x00;
    public static final int ATTR_STRING = 0x01;
    public static final int ATTR_INT64 = 0x02;
    public static final int ATTR_UINT64 = 0x03;
    public static final int ATTR_FLOAT64 = 0x04;
    public static final int ATTR_BOOL = 0x05;
    public static final int ATTR_BYTES = 0x06;

    /** Longest {@code str8}: names, tokens, loggers, keys, reasons. */
    public static final int MAX_STR8 = 255;
    /** Longest {@code str16} or {@code bytes16}: messages and attribute values. */
    public static final int MAX_STR16 = 65_535;
    /** Longest HELLO name (section 4.1). */
    public static final int MAX_NAME_LENGTH = 63;

    private WireFormat() {
    }
}
