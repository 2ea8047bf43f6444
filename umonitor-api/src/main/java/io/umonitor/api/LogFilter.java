package io.umonitor.api;

import java.time.Instant;
import java.util.Locale;

/**
 * Selects log records by minimum level, a time range (by {@link LogRecord#receivedAt()}) and a
 * case-insensitive text match on the message, logger and attribute values. Null bounds mean "any".
 *
 * @since 0.1
 */
public record LogFilter(LogLevel minimumLevel, Instant from, Instant until, String text) {

    public static final LogFilter ALL = new LogFilter(LogLevel.TRACE, null, null, null);

    public LogFilter {
        if (minimumLevel == null) {
            minimumLevel = LogLevel.TRACE;
        }
        if (from != null && until != null && until.isBefore(from)) {
            throw new ConfigurationException("log filter time range ends (" + until + ") before it starts ("
                    + from + "): swap the bounds");
        }
        if (text != null && text.isEmpty()) {
            text = null;
        }
    }

    public static LogFilter atLeast(LogLevel level) {
        return new LogFilter(level, null, null, null);
    }

    public LogFilter withText(String newText) {
        return new LogFilter(minimumLevel, from, until, newText);
    }

    public LogFilter withRange(Instant newFrom, Instant newUntil) {
        return new LogFilter(minimumLevel, newFrom, newUntil, text);
    }

    public boolean matches(LogRecord record) {
        if (!record.level().isAtLeast(minimumLevel)) {
            return false;
        }
        if (from != null && record.receivedAt().isBefore(from)) {
            return false;
        }
        if (until != null && record.receivedAt().isAfter(until)) {
            return false;
        }
        if (text == null) {
            return true;
        }
        String needle = text.toLowerCase(Locale.ROOT);
        if (contains(record.message(), needle) || contains(record.logger(), needle)) {
            return true;
        }
        for (Attribute a : record.attributes()) {
            if (contains(a.key(), needle) || contains(a.value().render(), needle)) {
                return true;
            }
        }
        return false;
    }

    private static boolean contains(String haystack, String lowerNeedle) {
        return haystack.toLowerCase(Locale.ROOT).contains(lowerNeedle);
    }
}
