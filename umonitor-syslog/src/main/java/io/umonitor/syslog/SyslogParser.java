package io.umonitor.syslog;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZonedDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;

/**
 * Parses one syslog message (framing already removed): RFC 5424 when the PRI is followed by version
 * {@code 1} and a space, else RFC 3164.
 *
 * <pre>
 * RFC 5424:  &lt;PRI&gt;1 TIMESTAMP HOSTNAME APP-NAME PROCID MSGID STRUCTURED-DATA [SP MSG]
 *            each header field is "-" (NILVALUE) or printable US-ASCII, at most 255/48/128/32 octets
 *            STRUCTURED-DATA = "-" / 1*( "[" SD-ID *(SP NAME="VALUE") "]" ), with \" \\ \] escaped in VALUE
 * RFC 3164:  &lt;PRI&gt;[Mmm dd hh:mm:ss SP [HOSTNAME SP]] [TAG["[" PID "]"] ":" [SP]] MSG
 * </pre>
 *
 * <p>RFC 5424 is parsed strictly (a field out of its grammar is a {@link SyslogFormatException}); RFC
 * 3164 was never strict, so only its PRI is required and what does not look like a timestamp or tag is
 * message text. An RFC 3164 timestamp has no year and no zone: the receiving host's zone and the year
 * that puts it no more than a day in the future are assumed. Thread-safe.
 */
public final class SyslogParser {
    static final int MAX_HOSTNAME = 255;
    static final int MAX_APP_NAME = 48;
    static final int MAX_PROCID = 128;
    static final int MAX_MSGID = 32;
    static final int MAX_SD_NAME = 32;
    private static final String[] MONTHS = {"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct",
        "Nov", "Dec"};

    private final Clock clock;

    /** A parser that reads RFC 3164 timestamps in {@code clock}'s zone and year. */
    public SyslogParser(Clock clock) {
        this.clock = clock;
    }

    public SyslogParser() {
        this(Clock.systemDefaultZone());
    }

    public SyslogMessage parse(byte[] bytes) {
        return parse(bytes, 0, bytes.length);
    }

    /** @throws SyslogFormatException naming what is wrong and at which offset */
    public SyslogMessage parse(byte[] b, int off, int len) {
        Cursor c = new Cursor(b, off, off + len);
        if (c.atEnd() || b[c.pos] != '<') {
            throw c.error("no PRI: a syslog message starts with <PRIVAL>, e.g. <13>");
        }
        c.pos++;
        int pri = 0;
        int digits = 0;
        while (!c.atEnd() && b[c.pos] >= '0' && b[c.pos] <= '9' && digits < 3) {
            pri = pri * 10 + (b[c.pos++] - '0');
            digits++;
        }
        if (digits == 0 || c.atEnd() || b[c.pos] != '>' || pri > 191) {
            throw c.error("bad PRI: expected <0> to <191> (facility * 8 + severity)");
        }
        c.pos++;
        int facility = pri >> 3;
        int severity = pri & 7;
        if (c.remaining() >= 2 && b[c.pos] == '1' && b[c.pos + 1] == ' ') {
            c.pos += 2;
            return rfc5424(c, facility, severity);
        }
        return rfc3164(c, facility, severity);
    }

    private static SyslogMessage rfc5424(Cursor c, int facility, int severity) {
        String time = c.field("TIMESTAMP", 64);
        OffsetDateTime timestamp = null;
        if (time != null) {
            try {
                timestamp = rfc3339(time);
            } catch (java.time.DateTimeException e) {
                throw c.error("TIMESTAMP '" + time + "' is not an RFC 3339 date-time with offset "
                        + "(e.g. 2026-12-03T10:15:30.123456+01:00 or ...Z) nor '-'");
            }
        }
        String hostname = c.field("HOSTNAME", MAX_HOSTNAME);
        String appName = c.field("APP-NAME", MAX_APP_NAME);
        String procId = c.field("PROCID", MAX_PROCID);
        String msgId = c.field("MSGID", MAX_MSGID);
        List<SyslogMessage.SdElement> sd = structuredData(c);
        String message = "";
        if (!c.atEnd()) {
            if (c.b[c.pos] != ' ') {
                throw c.error("expected a space between STRUCTURED-DATA and MSG");
            }
            c.pos++;
            int start = c.pos;
            if (c.remaining() >= 3 && (c.b[start] & 0xff) == 0xEF && (c.b[start + 1] & 0xff) == 0xBB
                    && (c.b[start + 2] & 0xff) == 0xBF) {
                start += 3;
            }
            message = new String(c.b, start, c.end - start, StandardCharsets.UTF_8);
        }
        return new SyslogMessage(SyslogMessage.Format.RFC5424, facility, severity, timestamp, time, hostname, appName,
                procId, msgId, sd, message);
    }

    private static List<SyslogMessage.SdElement> structuredData(Cursor c) {
        if (c.atEnd()) {
            throw c.error("STRUCTURED-DATA is missing: send '-' when there is none");
        }
        if (c.b[c.pos] == '-') {
            c.pos++;
            return List.of();
        }
        if (c.b[c.pos] != '[') {
            throw c.error("STRUCTURED-DATA must be '-' or start with '['");
        }
        List<SyslogMessage.SdElement> elements = new ArrayList<>();
        ByteArrayOutputStream value = new ByteArrayOutputStream();
        while (!c.atEnd() && c.b[c.pos] == '[') {
            c.pos++;
            String id = c.sdName("SD-ID");
            List<SyslogMessage.SdParam> params = new ArrayList<>();
            while (true) {
                if (c.atEnd()) {
                    throw c.error("SD-ELEMENT '" + id + "' is not closed with ']'");
                }
                byte ch = c.b[c.pos];
                if (ch == ']') {
                    c.pos++;
                    break;
                }
                if (ch != ' ') {
                    throw c.error("expected ' ' or ']' in SD-ELEMENT '" + id + "'");
                }
                c.pos++;
                String name = c.sdName("PARAM-NAME");
                if (c.remaining() < 2 || c.b[c.pos] != '=' || c.b[c.pos + 1] != '"') {
                    throw c.error("expected =\" after PARAM-NAME '" + name + "'");
                }
                c.pos += 2;
                value.reset();
                while (true) {
                    if (c.atEnd()) {
                        throw c.error("PARAM-VALUE of '" + name + "' is not closed with '\"'");
                    }
                    byte v = c.b[c.pos++];
                    if (v == '"') {
                        break;
                    }
                    if (v == '\\' && !c.atEnd() && (c.b[c.pos] == '"' || c.b[c.pos] == '\\' || c.b[c.pos] == ']')) {
                        v = c.b[c.pos++];
                    }
                    value.write(v);
                }
                params.add(new SyslogMessage.SdParam(name, value.toString(StandardCharsets.UTF_8)));
            }
            elements.add(new SyslogMessage.SdElement(id, params));
        }
        return elements;
    }

    /**
     * RFC 3339 as RFC 5424 uses it ({@code 2026-12-03T10:15:30.123456+01:00}, {@code ...Z}), read by hand on the
     * hot path (the general parser costs microseconds per message); anything else goes to {@link OffsetDateTime#parse}.
     */
    static OffsetDateTime rfc3339(String t) {
        int n = t.length();
        if (n < 20 || t.charAt(4) != '-' || t.charAt(7) != '-' || t.charAt(10) != 'T' || t.charAt(13) != ':'
                || t.charAt(16) != ':') {
            return OffsetDateTime.parse(t);
        }
        int i = 19;
        int nanos = 0;
        if (t.charAt(i) == '.') {
            int digits = 0;
            i++;
            while (i < n && t.charAt(i) >= '0' && t.charAt(i) <= '9') {
                if (digits < 9) {
                    nanos = nanos * 10 + (t.charAt(i) - '0');
                    digits++;
                }
                i++;
            }
            if (digits == 0) {
                return OffsetDateTime.parse(t);
            }
            for (int d = digits; d < 9; d++) {
                nanos *= 10;
            }
        }
        java.time.ZoneOffset offset;
        if (i == n - 1 && t.charAt(i) == 'Z') {
            offset = java.time.ZoneOffset.UTC;
        } else if (i == n - 6 && (t.charAt(i) == '+' || t.charAt(i) == '-') && t.charAt(i + 3) == ':') {
            int seconds = (number(t, i + 1, 2) * 60 + number(t, i + 4, 2)) * 60;
            offset = java.time.ZoneOffset.ofTotalSeconds(t.charAt(i) == '-' ? -seconds : seconds);
        } else {
            return OffsetDateTime.parse(t);
        }
        return OffsetDateTime.of(number(t, 0, 4), number(t, 5, 2), number(t, 8, 2), number(t, 11, 2),
                number(t, 14, 2), number(t, 17, 2), nanos, offset);
    }

    private static int number(String t, int from, int length) {
        int v = 0;
        for (int i = from; i < from + length; i++) {
            char ch = t.charAt(i);
            if (ch < '0' || ch > '9') {
                throw new DateTimeParseException("not a digit at " + i, t, i);
            }
            v = v * 10 + (ch - '0');
        }
        return v;
    }

    private SyslogMessage rfc3164(Cursor c, int facility, int severity) {
        byte[] b = c.b;
        OffsetDateTime timestamp = null;
        String hostname = null;
        if (c.remaining() >= 16 && b[c.pos + 15] == ' ') {
            timestamp = bsdTimestamp(new String(b, c.pos, 15, StandardCharsets.US_ASCII));
            if (timestamp != null) {
                c.pos += 16;
            }
        }
        if (timestamp == null) {
            // Relays such as rsyslog may put an RFC 3339 timestamp here instead.
            int space = c.indexOf((byte) ' ');
            if (space > c.pos && b[c.pos] >= '0' && b[c.pos] <= '9') {
                try {
                    timestamp = OffsetDateTime.parse(new String(b, c.pos, space - c.pos, StandardCharsets.US_ASCII));
                    c.pos = space + 1;
                } catch (DateTimeParseException e) {
                    timestamp = null;
                }
            }
        }
        if (timestamp != null) {
            int space = c.indexOf((byte) ' ');
            if (space > c.pos) {
                boolean looksLikeTag = false;
                for (int i = c.pos; i < space; i++) {
                    if (b[i] == '[' || b[i] == ':' || b[i] < 33 || b[i] > 126) {
                        looksLikeTag = true;
                        break;
                    }
                }
                if (!looksLikeTag && space - c.pos <= MAX_HOSTNAME) {
                    hostname = new String(b, c.pos, space - c.pos, StandardCharsets.US_ASCII);
                    c.pos = space + 1;
                }
            }
        }
        String tag = null;
        String pid = null;
        int i = c.pos;
        while (i < c.end && i - c.pos < MAX_APP_NAME && b[i] > 32 && b[i] < 127 && b[i] != '[' && b[i] != ':') {
            i++;
        }
        if (i > c.pos && i < c.end) {
            int afterTag = i;
            String maybePid = null;
            if (b[i] == '[') {
                int close = i + 1;
                while (close < c.end && close - i <= MAX_PROCID && b[close] != ']' && b[close] > 32 && b[close] < 127) {
                    close++;
                }
                if (close < c.end && b[close] == ']') {
                    maybePid = new String(b, i + 1, close - i - 1, StandardCharsets.US_ASCII);
                    afterTag = close + 1;
                } else {
                    afterTag = -1;
                }
            }
            if (afterTag > 0 && afterTag < c.end && b[afterTag] == ':') {
                tag = new String(b, c.pos, i - c.pos, StandardCharsets.US_ASCII);
                pid = maybePid;
                c.pos = afterTag + 1;
                if (!c.atEnd() && b[c.pos] == ' ') {
                    c.pos++;
                }
            }
        }
        String message = new String(b, c.pos, c.end - c.pos, StandardCharsets.UTF_8);
        return new SyslogMessage(SyslogMessage.Format.RFC3164, facility, severity, timestamp,
                timestamp == null ? null : timestamp.toString(), hostname, tag, pid, null,
                List.of(), message);
    }

    /** {@code Mmm dd hh:mm:ss} (day space- or zero-padded) in this host's zone, or null. */
    private OffsetDateTime bsdTimestamp(String s) {
        int month = -1;
        for (int m = 0; m < 12; m++) {
            if (s.startsWith(MONTHS[m])) {
                month = m + 1;
            }
        }
        if (month < 0 || s.charAt(3) != ' ' || s.charAt(6) != ' ' || s.charAt(9) != ':' || s.charAt(12) != ':') {
            return null;
        }
        try {
            int day = Integer.parseInt(s.substring(4, 6).trim());
            int hour = Integer.parseInt(s.substring(7, 9));
            int minute = Integer.parseInt(s.substring(10, 12));
            int second = Integer.parseInt(s.substring(13, 15));
            ZonedDateTime now = ZonedDateTime.now(clock);
            ZonedDateTime t = LocalDateTime.of(now.getYear(), month, day, hour, minute, second).atZone(clock.getZone());
            if (t.isAfter(now.plusDays(1))) {
                t = t.minusYears(1);
            }
            return t.toOffsetDateTime();
        } catch (RuntimeException e) {
            return null;
        }
    }

    private static final class Cursor {
        final byte[] b;
        final int start;
        final int end;
        int pos;

        Cursor(byte[] b, int off, int end) {
            this.b = b;
            this.start = off;
            this.end = end;
            this.pos = off;
        }

        boolean atEnd() {
            return pos >= end;
        }

        int remaining() {
            return end - pos;
        }

        int indexOf(byte value) {
            for (int i = pos; i < end; i++) {
                if (b[i] == value) {
                    return i;
                }
            }
            return -1;
        }

        /** A header field and the space after it; null for NILVALUE. */
        String field(String name, int max) {
            int i = pos;
            while (i < end && b[i] != ' ') {
                if (b[i] < 33 || b[i] > 126) {
                    pos = i;
                    throw error(name + " contains a byte outside printable US-ASCII (0x"
                            + Integer.toHexString(b[i] & 0xff) + ")");
                }
                if (i - pos >= max) {
                    throw error(name + " is longer than " + max + " octets");
                }
                i++;
            }
            if (i == pos) {
                throw error(name + " is empty: send '-' when there is none");
            }
            if (i >= end) {
                throw error("the header ends inside " + name + ": RFC 5424 needs TIMESTAMP HOSTNAME APP-NAME PROCID "
                        + "MSGID STRUCTURED-DATA, each '-' when absent");
            }
            String value = new String(b, pos, i - pos, StandardCharsets.US_ASCII);
            pos = i + 1;
            return value.equals("-") ? null : value;
        }

        String sdName(String what) {
            int i = pos;
            while (i < end && b[i] > 32 && b[i] < 127 && b[i] != '=' && b[i] != ']' && b[i] != '"') {
                i++;
            }
            if (i == pos || i - pos > MAX_SD_NAME) {
                throw error(what + " must be 1 to " + MAX_SD_NAME + " printable US-ASCII characters other than "
                        + "'=', ' ', ']' and '\"'");
            }
            String name = new String(b, pos, i - pos, StandardCharsets.US_ASCII);
            pos = i;
            return name;
        }

        SyslogFormatException error(String what) {
            return new SyslogFormatException("malformed syslog message at offset " + (pos - start) + ": " + what);
        }
    }
}
