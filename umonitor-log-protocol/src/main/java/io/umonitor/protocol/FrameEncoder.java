package io.umonitor.protocol;

import io.umonitor.api.Attribute;
import io.umonitor.api.AttributeValue;
import io.umonitor.api.ConfigurationException;
import io.umonitor.api.GuestClock;
import java.nio.BufferOverflowException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetEncoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Objects;
import java.util.zip.CRC32;

/**
 * Encodes frames into log protocol v1 bytes (PROTOCOL.md section 3), datagrams (section 5.2) and console
 * lines (section 5.3).
 *
 * <pre>
 *  0       1       2       3       4       5       6       7       8
 *  +-------+-------+-------+-------+-------+-------+-------+-------+
 *  | 0x55  | 0x4D  |version| type  |        body length (u32)      |
 *  +-------+-------+-------+-------+-------+-------+-------+-------+
 *  |                 body (body length bytes)  ...                 |
 *  +-------+-------+-------+-------+-------------------------------+
 *  |         CRC-32 (u32)          |
 *  +-------+-------+-------+-------+
 * </pre>
 *
 * <p>Not thread-safe: an encoder reuses one scratch buffer; give each thread its own (they are cheap).
 *
 * @since 0.1
 */
public final class FrameEncoder {
    private final CharsetEncoder utf8 = StandardCharsets.UTF_8.newEncoder()
            .onMalformedInput(CodingErrorAction.REPORT)
            .onUnmappableCharacter(CodingErrorAction.REPORT);
    private final CRC32 crc = new CRC32();
    private byte[] buf = new byte[512];
    private int pos;

    /** The frame's bytes. @throws ConfigurationException when the frame would exceed 65,535 bytes or
     *  a string is not valid UTF-16 (an unpaired surrogate) */
    public byte[] encode(Frame frame) {
        int length = build(frame);
        return Arrays.copyOf(buf, length);
    }

    /**
     * Writes the frame at {@code out}'s position and advances it.
     *
     * @return the number of bytes written
     * @throws BufferOverflowException when {@code out} has too little room; nothing is written then
     */
    public int encode(Frame frame, ByteBuffer out) {
        int length = build(frame);
        if (out.remaining() < length) {
            throw new BufferOverflowException();
        }
        out.put(buf, 0, length);
        return length;
    }

    /**
     * One UDP datagram: the HELLO followed by one or more RECORDs, or by exactly one GOODBYE.
     *
     * @throws ConfigurationException when {@code frames} breaks that rule or the datagram would exceed
     *     65,507 bytes
     */
    public byte[] encodeDatagram(Hello hello, List<? extends Frame> frames) {
        Objects.requireNonNull(hello, "hello");
        if (frames.isEmpty()) {
            throw new ConfigurationException("a datagram needs at least one RECORD or one GOODBYE after its HELLO: "
                    + "pass the records to send");
        }
        boolean goodbye = frames.get(0) instanceof Goodbye;
        for (Frame f : frames) {
            if (f instanceof Hello || (goodbye ? frames.size() != 1 : !(f instanceof RecordFrame))) {
                throw new ConfigurationException("a datagram carries one HELLO then RECORDs or exactly one GOODBYE, "
                        + "but got " + describe(frames) + ": send the GOODBYE in a datagram of its own");
            }
        }
        byte[] out = encode(hello);
        int length = out.length;
        for (Frame f : frames) {
            int n = build(f);
            if (length + n > WireFormat.MAX_DATAGRAM_LENGTH) {
                throw new ConfigurationException("datagram would be over " + WireFormat.MAX_DATAGRAM_LENGTH
                        + " bytes (" + (length + n) + " after " + frames.indexOf(f) + " frames): send fewer records per datagram");
            }
            if (length + n > out.length) {
                out = Arrays.copyOf(out, Math.max(length + n, Math.min(out.length * 2, WireFormat.MAX_DATAGRAM_LENGTH)));
            }
            System.arraycopy(buf, 0, out, length, n);
            length += n;
        }
        return length == out.length ? out : Arrays.copyOf(out, length);
    }

    /** The console encoding of one frame: {@code @UM1:} and base64, without the line's newline. */
    public String encodeConsoleLine(Frame frame) {
        int length = build(frame);
        return WireFormat.CONSOLE_MARKER + Base64.getEncoder().encodeToString(Arrays.copyOf(buf, length));
    }

    /** The number of bytes {@link #encode(Frame)} produces for this frame. */
    public int encodedLength(Frame frame) {
        return build(frame);
    }

    private int build(Frame frame) {
        Objects.requireNonNull(frame, "frame");
        pos = 0;
        ensure(WireFormat.HEADER_LENGTH);
        buf[0] = (byte) WireFormat.MAGIC_0;
        buf[1] = (byte) WireFormat.MAGIC_1;
        buf[2] = (byte) WireFormat.VERSION;
        buf[3] = (byte) frame.typeCode();
        pos = WireFormat.HEADER_LENGTH;
        if (frame instanceof Hello h) {
            str8(h.name(), "HELLO name");
            str8(h.token(), "HELLO token");
            str8(h.clientName(), "HELLO client name");
            str8(h.clientVersion(), "HELLO client version");
            u64(h.session());
        } else if (frame instanceof RecordFrame r) {
            u64(r.sequence());
            u8(r.clock() == GuestClock.MONOTONIC ? WireFormat.FLAG_MONOTONIC
                    : r.clock() == GuestClock.NONE ? WireFormat.FLAG_NO_TIMESTAMP : 0);
            u64(r.timestampNanos());
            u8(r.level().wireCode());
            str8(r.logger(), "RECORD logger");
            str(r.message(), 2, WireFormat.MAX_STR16, "RECORD message");
            u16(r.attributes().size());
            for (Attribute a : r.attributes()) {
                attribute(a);
            }
        } else if (frame instanceof Goodbye g) {
            u64(g.produced());
            u64(g.dropped());
            str8(g.reason(), "GOODBYE reason");
        }
        int bodyLength = pos - WireFormat.HEADER_LENGTH;
        if (bodyLength > WireFormat.MAX_BODY_LENGTH) {
            throw new ConfigurationException("frame would be " + (bodyLength + WireFormat.FRAME_OVERHEAD)
                    + " bytes, over the protocol limit of " + WireFormat.MAX_FRAME_LENGTH
                    + ": shorten the message or send fewer or shorter attributes");
        }
        putInt(4, bodyLength);
        crc.reset();
        crc.update(buf, 0, pos);
        ensure(WireFormat.TRAILER_LENGTH);
        putInt(pos, (int) crc.getValue());
        pos += WireFormat.TRAILER_LENGTH;
        return pos;
    }

    private void attribute(Attribute a) {
        str8(a.key(), "attribute key");
        AttributeValue v = a.value();
        if (v instanceof AttributeValue.Null) {
            u8(WireFormat.ATTR_NULL);
        } else if (v instanceof AttributeValue.Str s) {
            u8(WireFormat.ATTR_STRING);
            str(s.value(), 2, WireFormat.MAX_STR16, "value of attribute '" + a.key() + "'");
        } else if (v instanceof AttributeValue.Int i) {
            u8(WireFormat.ATTR_INT64);
            u64(i.value());
        } else if (v instanceof AttributeValue.UInt u) {
            u8(WireFormat.ATTR_UINT64);
            u64(u.value());
        } else if (v instanceof AttributeValue.Float f) {
            u8(WireFormat.ATTR_FLOAT64);
            u64(Double.doubleToRawLongBits(f.value()));
        } else if (v instanceof AttributeValue.Bool b) {
            u8(WireFormat.ATTR_BOOL);
            u8(b.value() ? 1 : 0);
        } else if (v instanceof AttributeValue.Bytes b) {
            byte[] bytes = b.value();
            u8(WireFormat.ATTR_BYTES);
            u16(bytes.length);
            ensure(bytes.length);
            System.arraycopy(bytes, 0, buf, pos, bytes.length);
            pos += bytes.length;
        } else {
            throw new IllegalStateException("attribute type " + v.getClass().getName() + " has no wire encoding");
        }
    }

    private void str8(String s, String field) {
        str(s, 1, WireFormat.MAX_STR8, field);
    }

    private void str(String s, int prefix, int maxBytes, String field) {
        int start = pos;
        pos += prefix;
        int room = (int) Math.min(maxBytes, s.length() * 3L);
        ensure(room);
        if (isAscii(s)) {
            int n = s.length();
            if (n > maxBytes) {
                throw tooLong(field, n, maxBytes);
            }
            for (int i = 0; i < n; i++) {
                buf[pos + i] = (byte) s.charAt(i);
            }
            pos += n;
        } else {
            ByteBuffer out = ByteBuffer.wrap(buf, pos, room);
            utf8.reset();
            CharBuffer in = CharBuffer.wrap(s);
            CoderResult result = utf8.encode(in, out, true);
            if (result.isUnderflow()) {
                result = utf8.flush(out);
            }
            if (result.isError()) {
                throw new ConfigurationException(field + " contains an unpaired UTF-16 surrogate at index "
                        + in.position() + ", which has no UTF-8 encoding: remove or replace it");
            }
            if (result.isOverflow()) {
                throw tooLong(field, FieldChecks.utf8Length(s), maxBytes);
            }
            pos = out.position();
        }
        int n = pos - start - prefix;
        if (prefix == 1) {
            buf[start] = (byte) n;
        } else {
            buf[start] = (byte) (n >>> 8);
            buf[start + 1] = (byte) n;
        }
    }

    private static boolean isAscii(String s) {
        for (int i = 0, n = s.length(); i < n; i++) {
            if (s.charAt(i) >= 0x80) {
                return false;
            }
        }
        return true;
    }

    private static ConfigurationException tooLong(String field, long bytes, int maxBytes) {
        return new ConfigurationException(field + " is " + bytes + " bytes of UTF-8, over the protocol limit of "
                + maxBytes + " bytes: shorten it");
    }

    private void u8(int v) {
        ensure(1);
        buf[pos++] = (byte) v;
    }

    private void u16(int v) {
        ensure(2);
        buf[pos++] = (byte) (v >>> 8);
        buf[pos++] = (byte) v;
    }

    private void u64(long v) {
        ensure(8);
        for (int shift = 56; shift >= 0; shift -= 8) {
            buf[pos++] = (byte) (v >>> shift);
        }
    }

    private void putInt(int at, int v) {
        buf[at] = (byte) (v >>> 24);
        buf[at + 1] = (byte) (v >>> 16);
        buf[at + 2] = (byte) (v >>> 8);
        buf[at + 3] = (byte) v;
    }

    private void ensure(int more) {
        if (pos + more > buf.length) {
            buf = Arrays.copyOf(buf, Math.max(pos + more, buf.length * 2));
        }
    }

    private static String describe(List<? extends Frame> frames) {
        StringBuilder sb = new StringBuilder("[");
        for (Frame f : frames) {
            sb.append(sb.length() > 1 ? ", " : "").append(f.getClass().getSimpleName());
        }
        return sb.append(']').toString();
    }
}
