package io.umonitor.core.sink;

import io.umonitor.api.Attribute;
import io.umonitor.api.AttributeValue;
import io.umonitor.api.LogRecord;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Arrays;
import java.util.List;

/**
 * Renders a record as one line of UTF-8 text, without allocating per record:
 *
 * <pre>
 * 2026-11-25T07:44:34.123456Z INFO  tcp #42 [http] GET / took 3 ms {line=42 function="main"}
 * </pre>
 *
 * Guest text is untrusted: line breaks, other control characters, DEL, C1 controls (which some
 * terminals obey like ESC) and Unicode line separators and bidirectional overrides are written as
 * backslash escapes, and a literal backslash is doubled, so one record is always exactly one line and
 * cannot move the cursor, recolour a terminal or pretend to be another record.
 */
final class TextLineEncoder {
    private static final byte[] HEX = "0123456789abcdef".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    private static final DateTimeFormatter SECONDS =
            DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.").withZone(ZoneOffset.UTC);
    private static final byte[][] LEVELS = new byte[io.umonitor.api.LogLevel.values().length][];
    private static final byte[][] ORIGINS = new byte[io.umonitor.api.LogOrigin.values().length][];

    /** Printable ASCII that needs no escaping, outside and inside quotes. */
    private static final boolean[] PLAIN = new boolean[128];
    private static final boolean[] PLAIN_QUOTED = new boolean[128];
    private static final byte[] DIGIT_PAIRS = new byte[200];

    static {
        for (int c = 0x20; c < 0x7f; c++) {
            PLAIN[c] = c != '\\';
            PLAIN_QUOTED[c] = c != '\\' && c != '"';
        }
        for (int i = 0; i < 100; i++) {
            DIGIT_PAIRS[2 * i] = (byte) ('0' + i / 10);
            DIGIT_PAIRS[2 * i + 1] = (byte) ('0' + i % 10);
        }
        for (io.umonitor.api.LogLevel l : io.umonitor.api.LogLevel.values()) {
            LEVELS[l.ordinal()] = String.format("%-5s ", l.name()).getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        }
        for (io.umonitor.api.LogOrigin o : io.umonitor.api.LogOrigin.values()) {
            ORIGINS[o.ordinal()] = (o.name().toLowerCase(java.util.Locale.ROOT) + " ")
                    .getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        }
    }

    byte[] buf = new byte[1024];
    private char[] chars = new char[256];
    int len;
    private long cachedSecond = Long.MIN_VALUE;
    private byte[] cachedPrefix;

    /** Encodes {@code record} into {@link #buf}[0..{@link #len}), ending with '\n'. */
    void encode(LogRecord record) {
        len = 0;
        timestamp(record.receivedAt());
        raw(LEVELS[record.level().ordinal()]);
        raw(ORIGINS[record.origin().ordinal()]);
        if (record.hasSequence()) {
            ensure(22);
            buf[len++] = '#';
            unsignedDecimal(record.sequence());
            buf[len++] = ' ';
        }
        String logger = record.logger();
        if (!logger.isEmpty()) {
            ensure(1);
            buf[len++] = '[';
            escaped(logger, false);
            ensure(2);
            buf[len++] = ']';
            buf[len++] = ' ';
        }
        escaped(record.message(), false);
        List<Attribute> attributes = record.attributes();
        if (!attributes.isEmpty()) {
            ensure(2);
            buf[len++] = ' ';
            buf[len++] = '{';
            for (int i = 0; i < attributes.size(); i++) {
                Attribute a = attributes.get(i);
                if (i > 0) {
                    ensure(1);
                    buf[len++] = ' ';
                }
                escaped(a.key(), false);
                ensure(1);
                buf[len++] = '=';
                AttributeValue v = a.value();
                if (v instanceof AttributeValue.Str s) {
                    ensure(1);
                    buf[len++] = '"';
                    escaped(s.value(), true);
                    ensure(1);
                    buf[len++] = '"';
                } else if (v instanceof AttributeValue.Int n) {
                    ensure(21);
                    decimal(n.value());
                } else {
                    escaped(v.render(), false);
                }
            }
            ensure(1);
            buf[len++] = '}';
        }
        ensure(1);
        buf[len++] = '\n';
    }

    private void timestamp(Instant t) {
        long second = t.getEpochSecond();
        if (second != cachedSecond) {
            cachedPrefix = SECONDS.format(t).getBytes(java.nio.charset.StandardCharsets.US_ASCII);
            cachedSecond = second;
        }
        raw(cachedPrefix);
        ensure(8);
        int micros = t.getNano() / 1000;
        int hi = micros / 10_000;
        int mid = (micros / 100) % 100;
        int lo = micros % 100;
        byte[] b = buf;
        int p = len;
        b[p] = DIGIT_PAIRS[2 * hi];
        b[p + 1] = DIGIT_PAIRS[2 * hi + 1];
        b[p + 2] = DIGIT_PAIRS[2 * mid];
        b[p + 3] = DIGIT_PAIRS[2 * mid + 1];
        b[p + 4] = DIGIT_PAIRS[2 * lo];
        b[p + 5] = DIGIT_PAIRS[2 * lo + 1];
        len = p + 6;
        buf[len++] = 'Z';
        buf[len++] = ' ';
    }

    private void raw(byte[] bytes) {
        ensure(bytes.length);
        System.arraycopy(bytes, 0, buf, len, bytes.length);
        len += bytes.length;
    }

    private void unsignedDecimal(long value) {
        if (value >= 0) {
            decimal(value);
        } else {
            raw(Long.toUnsignedString(value).getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        }
    }

    private void decimal(long value) {
        if (value < 0) {
            if (value == Long.MIN_VALUE) {
                raw("-9223372036854775808".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
                return;
            }
            buf[len++] = '-';
            value = -value;
        }
        if (value < 10) {
            buf[len++] = (byte) ('0' + value);
            return;
        }
        int digits = 0;
        for (long v = value; v > 0; v /= 10) {
            digits++;
        }
        int end = len + digits;
        for (int i = end - 1; i >= len; i--) {
            buf[i] = (byte) ('0' + value % 10);
            value /= 10;
        }
        len = end;
    }

    /** Writes {@code s} as UTF-8 with untrusted characters escaped; {@code quoted} also escapes '"'. */
    private void escaped(String s, boolean quoted) {
        int n = s.length();
        if (chars.length < n) {
            chars = new char[Math.max(n, chars.length * 2)];
        }
        // getChars copies (or inflates) in bulk; scanning a char[] is cheaper than charAt per character.
        char[] c = chars;
        s.getChars(0, n, c, 0);
        ensure(n);
        byte[] b = buf;
        int p = len;
        int i = 0;
        // Fast path: printable ASCII only, enough room guaranteed by ensure(n).
        boolean[] plain = quoted ? PLAIN_QUOTED : PLAIN;
        for (; i < n; i++) {
            char ch = c[i];
            if (ch >= 128 || !plain[ch]) {
                break;
            }
            b[p++] = (byte) ch;
        }
        len = p;
        if (i < n) {
            escapedSlow(c, i, n, quoted);
        }
    }

    private void escapedSlow(char[] s, int from, int n, boolean quoted) {
        for (int i = from; i < n; i++) {
            char c = s[i];
            if (c >= 0x20 && c < 0x7f && c != '\\' && !(quoted && c == '"')) {
                ensure(1);
                buf[len++] = (byte) c;
            } else if (c == '\\' || c == '"') {
                ensure(2);
                buf[len++] = '\\';
                buf[len++] = (byte) c;
            } else if (c == '\n') {
                escape2('n');
            } else if (c == '\r') {
                escape2('r');
            } else if (c == '\t') {
                escape2('t');
            } else if (c < 0x20 || (c >= 0x7f && c <= 0x9f)) {
                ensure(4);
                buf[len++] = '\\';
                buf[len++] = 'x';
                buf[len++] = HEX[c >> 4];
                buf[len++] = HEX[c & 0xf];
            } else if (c == 0x2028 || c == 0x2029 || (c >= 0x202a && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069)
                    || c == 0xfeff) {
                ensure(6);
                buf[len++] = '\\';
                buf[len++] = 'u';
                buf[len++] = HEX[(c >> 12) & 0xf];
                buf[len++] = HEX[(c >> 8) & 0xf];
                buf[len++] = HEX[(c >> 4) & 0xf];
                buf[len++] = HEX[c & 0xf];
            } else if (Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(s[i + 1])) {
                utf8(Character.toCodePoint(c, s[++i]));
            } else if (Character.isSurrogate(c)) {
                ensure(1);
                buf[len++] = '?';
            } else {
                utf8(c);
            }
        }
    }

    private void escape2(char c) {
        ensure(2);
        buf[len++] = '\\';
        buf[len++] = (byte) c;
    }

    private void utf8(int cp) {
        ensure(4);
        if (cp < 0x80) {
            buf[len++] = (byte) cp;
        } else if (cp < 0x800) {
            buf[len++] = (byte) (0xc0 | (cp >> 6));
            buf[len++] = (byte) (0x80 | (cp & 0x3f));
        } else if (cp < 0x10000) {
            buf[len++] = (byte) (0xe0 | (cp >> 12));
            buf[len++] = (byte) (0x80 | ((cp >> 6) & 0x3f));
            buf[len++] = (byte) (0x80 | (cp & 0x3f));
        } else {
            buf[len++] = (byte) (0xf0 | (cp >> 18));
            buf[len++] = (byte) (0x80 | ((cp >> 12) & 0x3f));
            buf[len++] = (byte) (0x80 | ((cp >> 6) & 0x3f));
            buf[len++] = (byte) (0x80 | (cp & 0x3f));
        }
    }

    private void ensure(int more) {
        if (len + more > buf.length) {
            buf = Arrays.copyOf(buf, Math.max(buf.length * 2, len + more + 64));
        }
    }
}
