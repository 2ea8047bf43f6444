package io.umonitor.protocol;

import io.umonitor.api.Attribute;
import io.umonitor.api.AttributeValue;
import io.umonitor.api.GuestClock;
import io.umonitor.api.LogLevel;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * The second decoding layer (PROTOCOL.md sections 4 and 6, step 5): turns the body of a frame that
 * {@link FrameDetector} accepted into a {@link Frame}. Every length is checked against the bytes left
 * in the body before it is used, so nothing is ever allocated from an unchecked length.
 * Not thread-safe: it reuses its UTF-8 decoder and scratch buffers.
 */
final class BodyDecoder {
    private static final LogLevel[] LEVELS = {null, LogLevel.TRACE, LogLevel.DEBUG, LogLevel.INFO, LogLevel.WARN,
        LogLevel.ERROR, LogLevel.FATAL};
    private static final AttributeValue NULL = new AttributeValue.Null();
    private static final AttributeValue TRUE = new AttributeValue.Bool(true);
    private static final AttributeValue FALSE = new AttributeValue.Bool(false);
    /** Logger names up to this many bytes are remembered for the next record. */
    private static final int LOGGER_CACHE = 64;

    private final CharsetDecoder utf8 = StandardCharsets.UTF_8.newDecoder()
            .onMalformedInput(CodingErrorAction.REPORT)
            .onUnmappableCharacter(CodingErrorAction.REPORT);
    private byte[] scratch = new byte[256];
    private final byte[] lastLoggerBytes = new byte[LOGGER_CACHE];
    private int lastLoggerLength = -1;
    private String lastLogger;
    private CharBuffer chars = CharBuffer.allocate(256);

    private ByteBuffer in;
    private boolean bigEndian;
    private int bodyStart;
    private int pos;
    private int end;
    private long frameOffset;
    private String input;
    private String frameType;
    /** The attribute being decoded, for messages; -1 outside attributes. */
    private int attribute;

    Frame decode(ByteBuffer in, int bodyStart, int bodyLength, int type, long frameOffset, String input) {
        this.in = in;
        this.bigEndian = in.order() == ByteOrder.BIG_ENDIAN;
        this.bodyStart = bodyStart;
        this.pos = bodyStart;
        this.end = bodyStart + bodyLength;
        this.frameOffset = frameOffset;
        this.input = input;
        this.attribute = -1;
        try {
            Frame frame;
            switch (type) {
                case WireFormat.TYPE_HELLO:
                    frameType = "HELLO";
                    frame = hello();
                    break;
                case WireFormat.TYPE_RECORD:
                    frameType = "RECORD";
                    frame = record();
                    break;
                default:
                    frameType = "GOODBYE";
                    frame = goodbye();
                    break;
            }
            if (pos != end) {
                throw corrupt((end - pos) + " bytes left over after the last field at body offset " + (pos - bodyStart)
                        + ": the sender must encode exactly the fields of section 4 and set the body length to match");
            }
            return frame;
        } finally {
            this.in = null;
        }
    }

    private Hello hello() {
        String name = str8("name");
        if (!FieldChecks.isValidName(name)) {
            throw corrupt("name '" + escape(name) + "' is invalid: the sender must use 1 to 63 ASCII letters, "
                    + "digits, '.', '_' or '-', starting with a letter or digit");
        }
        String token = str8("token");
        String clientName = str8("client name");
        String clientVersion = str8("client version");
        long session = u64("session");
        return new Hello(name, token, clientName, clientVersion, session);
    }

    private RecordFrame record() {
        long sequence = u64("sequence");
        int flagsAt = pos - bodyStart;
        int flags = u8("flags");
        long timestamp = u64("timestamp");
        GuestClock clock;
        switch (flags) {
            case 0:
                clock = GuestClock.WALL;
                break;
            case WireFormat.FLAG_MONOTONIC:
                clock = GuestClock.MONOTONIC;
                break;
            case WireFormat.FLAG_NO_TIMESTAMP:
                clock = GuestClock.NONE;
                if (timestamp != 0) {
                    throw corrupt("timestamp is " + timestamp + " but flags say there is none (0x02): the sender "
                            + "must send timestamp 0 with flag 0x02");
                }
                break;
            default:
                throw corrupt("flags " + Frames.hex(flags, 2) + " at body offset " + flagsAt + " are invalid: bits "
                        + "2..7 are reserved and must be 0, and 0x01 (monotonic) and 0x02 (no timestamp) exclude each "
                        + "other");
        }
        int levelAt = pos - bodyStart;
        int levelCode = u8("level");
        if (levelCode < 1 || levelCode > 6) {
            throw corrupt("level " + levelCode + " at body offset " + levelAt + " is invalid: the sender must use "
                    + "1 (TRACE) to 6 (FATAL)");
        }
        String logger = logger();
        String message = str16("message");
        int countAt = pos - bodyStart;
        int count = u16("attribute count");
        if (count * 3L > end - pos) {
            throw corrupt("attribute count " + count + " at body offset " + countAt + " cannot fit in the "
                    + (end - pos) + " bytes left (each attribute takes at least 3): the sender must count the "
                    + "attributes it actually encodes");
        }
        List<Attribute> attributes;
        if (count == 0) {
            attributes = List.of();
        } else {
            Attribute[] array = new Attribute[count];
            for (int i = 0; i < count; i++) {
                attribute = i;
                array[i] = attribute(i);
            }
            attribute = -1;
            attributes = List.of(array);
        }
        return new RecordFrame(sequence, clock, timestamp, LEVELS[levelCode], logger, message, attributes);
    }

    /**
     * The logger name, shared with the previous record's when the bytes are the same: a sender repeats a
     * few logger names, and every record kept in a history would otherwise hold its own copy.
     */
    private String logger() {
        int n = u8("logger");
        require(n, "logger");
        String last = lastLogger;
        if (last != null && n == lastLoggerLength && n <= LOGGER_CACHE) {
            for (int i = 0; i < n; i++) {
                if (in.get(pos + i) != lastLoggerBytes[i]) {
                    return rememberLogger(n);
                }
            }
            pos += n;
            return last;
        }
        return rememberLogger(n);
    }

    private String rememberLogger(int n) {
        int at = pos;
        String logger = str(n, "logger");
        if (n <= LOGGER_CACHE) {
            in.get(at, lastLoggerBytes, 0, n);
            lastLoggerLength = n;
            lastLogger = logger;
        }
        return logger;
    }

    private Attribute attribute(int index) {
        int keyAt = pos - bodyStart;
        String key = str8("attribute key");
        if (key.isEmpty()) {
            throw corrupt("attribute " + index + " at body offset " + keyAt + " has an empty key: the sender must "
                    + "give every attribute a key of 1 to 255 bytes");
        }
        int typeAt = pos - bodyStart;
        int type = u8("attribute type");
        AttributeValue value;
        switch (type) {
            case WireFormat.ATTR_NULL:
                value = NULL;
                break;
            case WireFormat.ATTR_STRING:
                value = new AttributeValue.Str(str16("attribute value"));
                break;
            case WireFormat.ATTR_INT64:
                value = new AttributeValue.Int(u64("attribute value"));
                break;
            case WireFormat.ATTR_UINT64:
                value = new AttributeValue.UInt(u64("attribute value"));
                break;
            case WireFormat.ATTR_FLOAT64:
                value = new AttributeValue.Float(Double.longBitsToDouble(u64("attribute value")));
                break;
            case WireFormat.ATTR_BOOL: {
                int boolAt = pos - bodyStart;
                int b = u8("attribute value");
                if (b > 1) {
                    throw corrupt("BOOL attribute '" + escape(key) + "' has value " + b + " at body offset " + boolAt
                            + ": the sender must send 0 (false) or 1 (true)");
                }
                value = b == 1 ? TRUE : FALSE;
                break;
            }
            case WireFormat.ATTR_BYTES: {
                int n = u16("attribute value length");
                require(n, "attribute value");
                byte[] bytes = new byte[n];
                in.get(pos, bytes);
                pos += n;
                value = new AttributeValue.Bytes(bytes);
                break;
            }
            default:
                throw corrupt("attribute '" + escape(key) + "' has unknown type " + Frames.hex(type, 2)
                        + " at body offset " + typeAt + ": version 1 has types 0x00 to 0x06 only");
        }
        return new Attribute(key, value);
    }

    private Goodbye goodbye() {
        long produced = u64("records produced");
        long dropped = u64("records dropped");
        String reason = str8("reason");
        return new Goodbye(produced, dropped, reason);
    }

    private void require(int n, String field) {
        if (end - pos < n) {
            throw corrupt("the body ends inside field '" + field + "' at body offset " + (pos - bodyStart) + ": it needs "
                    + n + " bytes, " + (end - pos) + " are left; the sender must set the body length to cover "
                    + "every field");
        }
    }

    private int u8(String field) {
        require(1, field);
        return in.get(pos++) & 0xFF;
    }

    private int u16(String field) {
        require(2, field);
        int v = ((in.get(pos) & 0xFF) << 8) | (in.get(pos + 1) & 0xFF);
        pos += 2;
        return v;
    }

    private long u64(String field) {
        require(8, field);
        long v = in.getLong(pos);
        pos += 8;
        return bigEndian ? v : Long.reverseBytes(v);
    }

    private String str8(String field) {
        return str(u8(field), field);
    }

    private String str16(String field) {
        return str(u16(field), field);
    }

    private String str(int n, String field) {
        require(n, field);
        if (n == 0) {
            return "";
        }
        int at = pos;
        byte[] bytes;
        int offset;
        if (in.hasArray()) {
            bytes = in.array();
            offset = in.arrayOffset() + at;
        } else {
            if (scratch.length < n) {
                scratch = new byte[Math.max(n, Math.min(scratch.length * 2, WireFormat.MAX_STR16))];
            }
            in.get(at, scratch, 0, n);
            bytes = scratch;
            offset = 0;
        }
        boolean ascii = true;
        for (int i = offset, stop = offset + n; i < stop; i++) {
            if (bytes[i] < 0) {
                ascii = false;
                break;
            }
        }
        pos += n;
        if (ascii) {
            // Latin-1 of ASCII bytes is the same text, and lets the JDK copy straight into a compact string.
            return new String(bytes, offset, n, StandardCharsets.ISO_8859_1);
        }
        return utf8(at, n, field);
    }

    private String utf8(int at, int n, String field) {
        if (chars.capacity() < n) {
            chars = CharBuffer.allocate(Math.max(n, Math.min(chars.capacity() * 2, WireFormat.MAX_STR16)));
        }
        chars.clear();
        int position = in.position();
        int limit = in.limit();
        try {
            in.limit(at + n).position(at);
            utf8.reset();
            CoderResult result = utf8.decode(in, chars, true);
            if (result.isUnderflow()) {
                result = utf8.flush(chars);
            }
            if (result.isError() || result.isOverflow()) {
                throw corrupt("field '" + field + "' is not well-formed UTF-8: byte " + (in.position() - at)
                        + " of its " + n + " (body offset " + (in.position() - bodyStart) + ") starts an ill-formed "
                        + "sequence; the sender must send RFC 3629 UTF-8 (no overlong forms, no surrogates)");
            }
        } finally {
            in.limit(limit).position(position);
        }
        chars.flip();
        return chars.toString();
    }

    private CorruptFrameException corrupt(String what) {
        return new CorruptFrameException(frameType + " frame at " + input + " offset " + frameOffset
                + (attribute >= 0 ? ", attribute " + attribute : "") + ": " + what);
    }

    /** Guest text in messages is untrusted: keep control characters out of logs. */
    static String escape(String s) {
        StringBuilder sb = new StringBuilder(Math.min(s.length(), 80));
        for (int i = 0; i < s.length() && i < 80; i++) {
            char c = s.charAt(i);
            if (c < 0x20 || c == 0x7F) {
                sb.append("\\x").append(Frames.hex(c, 2), 2, 4);
            } else {
                sb.append(c);
            }
        }
        return s.length() > 80 ? sb.append("...").toString() : sb.toString();
    }
}
