package io.umonitor.syslog;

import io.umonitor.api.Attribute;
import io.umonitor.api.AttributeValue;
import io.umonitor.api.GuestClock;
import io.umonitor.api.LogLevel;
import io.umonitor.api.LogOrigin;
import io.umonitor.api.LogRecord;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Maps between syslog messages and umonitor records.
 *
 * <p>Received: severity emerg/alert/crit → FATAL, err → ERROR, warning → WARN, notice/info → INFO,
 * debug → DEBUG; the message's own timestamp is the record's wall-clock guest time and its text (with the
 * sender's offset) the attribute {@code syslog.timestamp}; APP-NAME is the logger; each SD-PARAM becomes the
 * attribute {@code SD-ID.PARAM-NAME}, an integer, floating-point or boolean where the whole value parses as
 * one, else a string (an SD-ELEMENT without parameters becomes {@code SD-ID} = null); facility, HOSTNAME,
 * APP-NAME, PROCID and MSGID are the attributes {@code syslog.facility}, {@code syslog.hostname},
 * {@code syslog.appname}, {@code syslog.procid}, {@code syslog.msgid} when present.
 */
public final class SyslogRecords {
    private static final Pattern INTEGER = Pattern.compile("-?(0|[1-9][0-9]{0,18})");
    private static final Pattern DECIMAL = Pattern.compile("-?(0|[1-9][0-9]*)\\.[0-9]+([eE][-+]?[0-9]+)?");

    private SyslogRecords() {
    }

    public static LogLevel level(int severity) {
        return switch (severity) {
            case 0, 1, 2 -> LogLevel.FATAL;
            case 3 -> LogLevel.ERROR;
            case 4 -> LogLevel.WARN;
            case 5, 6 -> LogLevel.INFO;
            default -> LogLevel.DEBUG;
        };
    }

    /** The severity a record is forwarded with: FATAL → crit (2), ..., TRACE → debug (7). */
    public static int severity(LogLevel level) {
        return switch (level) {
            case FATAL -> 2;
            case ERROR -> 3;
            case WARN -> 4;
            case INFO -> 6;
            case DEBUG, TRACE -> 7;
        };
    }

    /** The record of {@code message} for {@code unikernel}, received now. */
    public static LogRecord toRecord(String unikernel, SyslogMessage message, Instant receivedAt) {
        List<Attribute> attributes = new ArrayList<>(8);
        for (SyslogMessage.SdElement element : message.structuredData()) {
            if (element.params().isEmpty()) {
                attributes.add(new Attribute(element.id(), new AttributeValue.Null()));
            }
            for (SyslogMessage.SdParam param : element.params()) {
                attributes.add(new Attribute(element.id() + "." + param.name(), typed(param.value())));
            }
        }
        attributes.add(Attribute.of("syslog.facility", message.facilityName()));
        if (message.hostname() != null) {
            attributes.add(Attribute.of("syslog.hostname", message.hostname()));
        }
        if (message.appName() != null) {
            attributes.add(Attribute.of("syslog.appname", message.appName()));
        }
        if (message.procId() != null) {
            attributes.add(Attribute.of("syslog.procid", message.procId()));
        }
        if (message.msgId() != null) {
            attributes.add(Attribute.of("syslog.msgid", message.msgId()));
        }
        GuestClock clock = GuestClock.NONE;
        long nanos = 0;
        OffsetDateTime t = message.timestamp();
        if (t != null) {
            attributes.add(Attribute.of("syslog.timestamp", message.timestampText()));
            Instant instant = t.toInstant();
            try {
                nanos = Math.addExact(Math.multiplyExact(instant.getEpochSecond(), 1_000_000_000L), instant.getNano());
                clock = GuestClock.WALL;
            } catch (ArithmeticException e) {
                clock = GuestClock.NONE; // a year beyond 2262 fits no nanosecond count; the attribute keeps it
            }
        }
        return new LogRecord(unikernel, LogOrigin.SYSLOG, -1, clock, nanos, receivedAt, level(message.severity()),
                message.appName() == null ? "" : message.appName(), message.message(), attributes);
    }

    /** An integer, floating-point number or boolean where the whole text is one (and reads back the same), else the text. */
    static AttributeValue typed(String value) {
        if (INTEGER.matcher(value).matches()) {
            try {
                return new AttributeValue.Int(Long.parseLong(value));
            } catch (NumberFormatException e) {
                return new AttributeValue.Str(value);
            }
        }
        if (DECIMAL.matcher(value).matches()) {
            double d = Double.parseDouble(value);
            if (Double.isFinite(d)) {
                return new AttributeValue.Float(d);
            }
        }
        if (value.equals("true") || value.equals("false")) {
            return new AttributeValue.Bool(Boolean.parseBoolean(value));
        }
        return new AttributeValue.Str(value);
    }
}
