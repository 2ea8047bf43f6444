package io.umonitor.syslog;

import java.time.OffsetDateTime;
import java.util.List;
import java.util.Objects;

/**
 * One syslog message, RFC 5424 or RFC 3164, with the framing removed.
 *
 * @param format which RFC the header followed
 * @param facility 0..23
 * @param severity 0 (emergency) .. 7 (debug)
 * @param timestamp the sender's timestamp with its UTC offset, or null (NILVALUE, or an RFC 3164 message without one)
 * @param timestampText the timestamp as the sender wrote it (RFC 3164: as read in this host's zone), or null
 * @param hostname HOSTNAME, or null
 * @param appName APP-NAME (RFC 3164: the TAG), or null
 * @param procId PROCID (RFC 3164: the number in {@code TAG[PID]}), or null
 * @param msgId MSGID, or null (always null for RFC 3164)
 * @param structuredData SD-ELEMENTs in the order sent
 * @param message MSG, decoded as UTF-8 (a leading BOM removed); empty when absent
 */
public record SyslogMessage(
        Format format,
        int facility,
        int severity,
        OffsetDateTime timestamp,
        String timestampText,
        String hostname,
        String appName,
        String procId,
        String msgId,
        List<SdElement> structuredData,
        String message) {

    public enum Format { RFC5424, RFC3164 }

    private static final String[] FACILITIES = {"kern", "user", "mail", "daemon", "auth", "syslog", "lpr", "news",
        "uucp", "cron", "authpriv", "ftp", "ntp", "security", "console", "solaris-cron", "local0", "local1", "local2",
        "local3", "local4", "local5", "local6", "local7"};

    public SyslogMessage {
        Objects.requireNonNull(format, "format");
        if (facility < 0 || facility > 23) {
            throw new IllegalArgumentException("facility " + facility + " outside 0..23");
        }
        if (severity < 0 || severity > 7) {
            throw new IllegalArgumentException("severity " + severity + " outside 0..7");
        }
        structuredData = List.copyOf(structuredData);
        Objects.requireNonNull(message, "message");
    }

    /** The facility's conventional name ({@code user}, {@code local0}, ...). */
    public String facilityName() {
        return FACILITIES[facility];
    }

    /** One SD-ELEMENT: its SD-ID and its parameters in the order sent (names may repeat). */
    public record SdElement(String id, List<SdParam> params) {
        public SdElement {
            Objects.requireNonNull(id, "id");
            params = List.copyOf(params);
        }
    }

    /** One SD-PARAM with its value unescaped. */
    public record SdParam(String name, String value) {
        public SdParam {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(value, "value");
        }
    }
}
