package io.umonitor.protocol;

/**
 * GOODBYE (type 0x03, PROTOCOL.md section 4.3): the orderly end of a session.
 *
 * @param produced the sequence number the next record would have had (unsigned 64-bit bit pattern)
 * @param dropped records the client itself dropped in this session (unsigned 64-bit bit pattern)
 * @param reason free text such as {@code exit}; may be empty; at most 255 bytes of UTF-8
 * @since 0.1
 */
public record Goodbye(long produced, long dropped, String reason) implements Frame {

    public Goodbye {
        FieldChecks.requireStr(reason, WireFormat.MAX_STR8, "GOODBYE reason");
    }

    @Override
    public int typeCode() {
        return WireFormat.TYPE_GOODBYE;
    }
}
