package io.umonitor.examples.cli;

import io.umonitor.api.ConfigurationException;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.ZoneId;
import java.time.format.DateTimeParseException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The times `logs --since/--until` accept: a duration back from now (10m, 90s, 2h, 1d, 500ms) or a timestamp. */
final class TimeSpec {
    private static final Pattern DURATION = Pattern.compile("(\\d+)(ms|s|m|h|d)");

    private TimeSpec() {
    }

    static Instant parse(String option, String text, Instant now, ZoneId zone) {
        String t = text.trim();
        Matcher m = DURATION.matcher(t);
        if (m.matches()) {
            long n = Long.parseLong(m.group(1));
            Duration d = switch (m.group(2)) {
                case "ms" -> Duration.ofMillis(n);
                case "s" -> Duration.ofSeconds(n);
                case "m" -> Duration.ofMinutes(n);
                case "h" -> Duration.ofHours(n);
                default -> Duration.ofDays(n);
            };
            return now.minus(d);
        }
        try {
            return Instant.parse(t);
        } catch (DateTimeParseException e) {
            // not a UTC timestamp; try local forms
        }
        try {
            return LocalDateTime.parse(t.replace(' ', 'T')).atZone(zone).toInstant();
        } catch (DateTimeParseException e) {
            // not a local date and time
        }
        try {
            return LocalDate.parse(t).atStartOfDay(zone).toInstant();
        } catch (DateTimeParseException e) {
            // not a date
        }
        try {
            return LocalTime.parse(t).atDate(LocalDate.now(zone)).atZone(zone).toInstant();
        } catch (DateTimeParseException e) {
            throw new ConfigurationException(option + " " + text + " is neither a duration nor a time: use e.g. "
                    + option + " 10m (also 30s, 2h, 1d), " + option + " 09:30, " + option + " 2026-12-03T09:30:00 "
                    + "(local time) or " + option + " 2026-12-03T08:30:00Z");
        }
    }
}
