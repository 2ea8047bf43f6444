package io.umonitor.syslog;

import io.umonitor.api.Attribute;
import io.umonitor.api.AttributeValue;
import io.umonitor.api.LogRecord;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Locale;

/**
 * Formats records as RFC 5424 messages with RFC 6587 octet-counting framing, for forwarding:
 *
 * <pre>
 * LEN SP &lt;PRI&gt;1 TIMESTAMP HOSTNAME APP-NAME - MSGID [SD-ID logger="..." seq="..." receivedAt="..." KEY="VALUE"...] MSG
 * </pre>
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
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSSSSS'Z'",
            Locale.ROOT).withZone(ZoneOffset.UTC);

    private final String hostname;
    private final int facility;
    private final String sdId;
    private final ByteArrayOutputStream out = new ByteArrayOutputStream(512);

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
        byte[] message = format(record);
        byte[] length = (message.length + " ").getBytes(StandardCharsets.US_ASCII);
        byte[] framed = new byte[length.length + message.length];
        System.arraycopy(length, 0, framed, 0, length.length);
        System.arraycopy(message, 0, framed, length.length, message.length);
        return framed;
    }

    /** The message without framing. */
    public byte[] format(LogRecord record) {
        out.reset();
        ascii("<" + (facility * 8 + SyslogRecords.severity(record.level())) + ">1 ");
        Instant time = record.guestWallTime().orElse(record.receivedAt());
        ascii(time.getEpochSecond() >= 0 && time.getEpochSecond() < 253402300800L ? TIME.format(time) : "-");
        out.write(' ');
        ascii(hostname);
        out.write(' ');
        ascii(header(record.unikernel(), SyslogParser.MAX_APP_NAME));
        ascii(" - ");
        ascii(record.origin().name());
        ascii(" [");
        ascii(sdId);
        if (!record.logger().isEmpty()) {
            param("logger", record.logger());
        }
        if (record.sequence() >= 0) {
            param("seq", Long.toString(record.sequence()));
        }
        param("receivedAt", record.receivedAt().toString());
        for (Attribute a : record.attributes()) {
            param(paramName(a.key()), a.value() instanceof AttributeValue.Str s ? s.value() : a.value().render());
        }
        out.write(']');
        if (!record.message().isEmpty()) {
            out.write(' ');
            out.writeBytes(record.message().getBytes(StandardCharsets.UTF_8));
        }
        return out.toByteArray();
    }

    private void param(String name, String value) {
        out.write(' ');
        ascii(name);
        out.write('=');
        out.write('"');
        byte[] bytes = value.getBytes(StandardCharsets.UTF_8);
        for (byte b : bytes) {
            if (b == '"' || b == '\\' || b == ']') {
                out.write('\\');
            }
            out.write(b);
        }
        out.write('"');
    }

    private void ascii(String s) {
        for (int i = 0; i < s.length(); i++) {
            out.write(s.charAt(i));
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
