package io.umonitor.syslog;

import io.umonitor.api.Attribute;
import io.umonitor.api.AttributeValue;
import io.umonitor.api.LogRecord;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.Arrays;

/**
 * Formats records as RFC 5424 messages with RFC 6587 octet-counting framing, for forwarding:
 *
 * <pre>
 * LEN SP &lt;PRI&gt;1 TIMESTAMP HOSTNAME APP-NAME - MSGID [SD-ID logger="..." seq="..." receivedAt="..." launch="..." restart="..." KEY="VALUE"...] MSG
 * </pre>
 *
 * {@code launch} (the run's launch id) and {@code restart} (its restart number, 0 for the first run) are
 * there for records of a launched unikernel's run, so that a central server tells apart runs and hosts whose
 * guests share names.
 *
 * PRI from the configured facility and the level ({@link SyslogRecords#severity}); TIMESTAMP the guest's
 * wall-clock time when it sent one, else the receive time, in UTC with microseconds; APP-NAME the unikernel;
 * MSGID the origin ({@code TCP}, {@code UDP}, {@code CONSOLE}, {@code MONITOR}, {@code SYSLOG}). Header
 * fields are cut to their RFC length and bytes outside printable US-ASCII become {@code _}; attribute keys
 * become PARAM-NAMEs the same way (at most 32 characters, no {@code = ] "} or space); values are UTF-8 with
 * {@code "}, {@code \} and {@code ]} escaped by a backslash. MSG is UTF-8 without a BOM (RFC 5424's MSG-ANY),
 * since receivers such as rsyslog keep a BOM as part of the text. Not thread-safe (one per sink thread).
 */
public final class SyslogFormatter {
    private final String hostname;
    private final int facility;
    private final String sdId;
    /** The message being built (no ByteArrayOutputStream: its synchronized writes cost microseconds a record). */
    private byte[] buf = new byte[512];
    private int len;

    /**
     * @param hostname HOSTNAME of every message (this host)
     * @param facility 0..23
     * @param sdId the SD-ID of the element that carries the attributes, e.g. {@code umonitor@32473}
     */
    public SyslogFormatter(String hostname, int facility, String sdId) {
        this.hostname = header(hostname, SyslogParser.MAX_HOSTNAME);
        if (facility < 0 || facility > 23) {
            throw new IllegalArgumentException("facility " + facility + " outside 0..23");
        }
        this.facility = facility;
        if (!validSdName(sdId)) {
            throw new IllegalArgumentException("SD-ID '" + sdId + "' must be 1 to 32 printable US-ASCII characters "
                    + "other than '=', ' ', ']' and '\"', e.g. umonitor@32473");
        }
        this.sdId = sdId;
    }

    /** The framed message: {@code LEN SP SYSLOG-MSG}. */
    public byte[] frame(LogRecord record) {
        build(record);
        byte[] length = Integer.toString(len).getBytes(StandardCharsets.US_ASCII);
        byte[] framed = new byte[length.length + 1 + len];
        System.arraycopy(length, 0, framed, 0, length.length);
        framed[length.length] = ' ';
        System.arraycopy(buf, 0, framed, length.length + 1, len);
        return framed;
    }

    /** The message without framing. */
    public byte[] format(LogRecord record) {
        build(record);
        return Arrays.copyOf(buf, len);
    }

    private void build(LogRecord record) {
        len = 0;
        ascii("<" + (facility * 8 + SyslogRecords.severity(record.level())) + ">1 ");
        Instant time = record.guestWallTime().orElse(record.receivedAt());
        if (time.getEpochSecond() >= 0 && time.getEpochSecond() < 253402300800L) {
            timestamp(time);
        } else {
            write('-');
        }
        write(' ');
        ascii(hostname);
        write(' ');
        ascii(header(record.unikernel(), SyslogParser.MAX_APP_NAME));
        ascii(" - ");
        ascii(record.origin().name());
        ascii(" [");
        ascii(sdId);
        if (!record.logger().isEmpty()) {
            param("logger", record.logger());
        }
        if (record.hasSequence()) {
            param("seq", Long.toUnsignedString(record.sequence()));
        }
        param("receivedAt", record.receivedAt().toString());
        if (record.launch().isKnown()) {
            param("launch", record.launch().launchId());
            param("restart", Integer.toString(record.launch().restart()));
        }
        for (Attribute a : record.attributes()) {
            param(paramName(a.key()), a.value() instanceof AttributeValue.Str s ? s.value() : a.value().render());
        }
        write(']');
        if (!record.message().isEmpty()) {
            write(' ');
            bytes(record.message().getBytes(StandardCharsets.UTF_8));
        }
    }

    /** {@code uuuu-MM-ddTHH:mm:ss.SSSSSSZ}, by hand: a DateTimeFormatter costs about a microsecond. */
    private void timestamp(Instant time) {
        LocalDateTime t = LocalDateTime.ofEpochSecond(time.getEpochSecond(), time.getNano(), ZoneOffset.UTC);
        digits(t.getYear(), 4);
        write('-');
        digits(t.getMonthValue(), 2);
        write('-');
        digits(t.getDayOfMonth(), 2);
        write('T');
        digits(t.getHour(), 2);
        write(':');
        digits(t.getMinute(), 2);
        write(':');
        digits(t.getSecond(), 2);
        write('.');
        digits(t.getNano() / 1000, 6);
        write('Z');
    }

    private void digits(int value, int width) {
        ensure(width);
        for (int i = width - 1; i >= 0; i--) {
            buf[len + i] = (byte) ('0' + value % 10);
            value /= 10;
        }
        len += width;
    }

    private void ensure(int more) {
        if (len + more > buf.length) {
            buf = Arrays.copyOf(buf, Math.max(buf.length * 2, len + more));
        }
    }

    private void write(int b) {
        ensure(1);
        buf[len++] = (byte) b;
    }

    private void bytes(byte[] b) {
        ensure(b.length);
        System.arraycopy(b, 0, buf, len, b.length);
        len += b.length;
    }

    private void param(String name, String value) {
        write(' ');
        ascii(name);
        write('=');
        write('"');
        byte[] bytes = value.getBytes(StandardCharsets.UTF_8);
        ensure(bytes.length * 2);
        for (byte b : bytes) {
            if (b == '"' || b == '\\' || b == ']') {
                buf[len++] = '\\';
            }
            buf[len++] = b;
        }
        write('"');
    }

    private void ascii(String s) {
        ensure(s.length());
        for (int i = 0; i < s.length(); i++) {
            buf[len++] = (byte) s.charAt(i);
        }
    }

    /** A header field: printable US-ASCII, at most {@code max} characters, "-" when empty. */
    static String header(String value, int max) {
        if (value == null || value.isEmpty()) {
            return "-";
        }
        StringBuilder b = new StringBuilder(Math.min(value.length(), max));
        for (int i = 0; i < value.length() && b.length() < max; i++) {
            char c = value.charAt(i);
            b.append(c > 32 && c < 127 ? c : '_');
        }
        return b.toString();
    }

    /** An attribute key as a PARAM-NAME. */
    static String paramName(String key) {
        StringBuilder b = new StringBuilder(Math.min(key.length(), SyslogParser.MAX_SD_NAME));
        for (int i = 0; i < key.length() && b.length() < SyslogParser.MAX_SD_NAME; i++) {
            char c = key.charAt(i);
            b.append(c > 32 && c < 127 && c != '=' && c != ']' && c != '"' ? c : '_');
        }
        return b.toString();
    }

    static boolean validSdName(String name) {
        if (name == null || name.isEmpty() || name.length() > SyslogParser.MAX_SD_NAME) {
            return false;
        }
        return name.chars().allMatch(c -> c > 32 && c < 127 && c != '=' && c != ']' && c != '"');
    }
}
