package io.umonitor.api;

import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import java.util.Objects;

/**
 * Formats a {@link LogRecord} as the one line the {@code umonitor} command line prints, for people:
 *
 * <pre>
 * 11:00:11.003 web          INFO  console [stdout] listening on :8080 port=8080
 * </pre>
 *
 * <p>That is the time umonitor received it (local time of day, or the full UTC timestamp), the unikernel,
 * the level, how it arrived, the logger in brackets, the message and the attributes as {@code key=value}.
 * Guest text keeps tabs and backslashes as the guest wrote them; what could drive a terminal or forge a line
 * (other control characters, Unicode line separators, bidi overrides) is shown escaped, see
 * {@link #terminalSafe(String)}. Unlike the file sink's escaping this is not reversible: use JSON where a
 * program reads the records back.
 *
 * <p>Immutable and thread-safe; the {@code with...} methods return changed copies. {@link LogRecord#toString()}
 * uses {@link #standard()}, so {@code monitor.follow("web", filter, System.out::println)} prints this line.
 *
 * @since 0.1
 */
public final class LogRecordFormatter {
    private static final DateTimeFormatter TIME_OF_DAY = DateTimeFormatter.ofPattern("HH:mm:ss.SSS");
    private static final DateTimeFormatter FULL_TIME =
            DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSSSS'Z'").withZone(ZoneOffset.UTC);
    private static final String RESET = "\u001b[0m";
    private static final String DIM = "\u001b[2m";
    private static final String[] NAME_COLOURS = {"\u001b[36m", "\u001b[35m", "\u001b[34m", "\u001b[32m", "\u001b[33m"};
    private static final LogRecordFormatter STANDARD = new LogRecordFormatter(true, false, false, null);

    private final boolean unikernel;
    private final boolean fullTimestamps;
    private final boolean colour;
    /** Null: the system default zone when formatting (it may change while the JVM runs). */
    private final ZoneId zone;

    private LogRecordFormatter(boolean unikernel, boolean fullTimestamps, boolean colour, ZoneId zone) {
        this.unikernel = unikernel;
        this.fullTimestamps = fullTimestamps;
        this.colour = colour;
        this.zone = zone;
    }

    /** Local time of day, with the unikernel's name, without colour: what {@code umonitor logs --all} prints. */
    public static LogRecordFormatter standard() {
        return STANDARD;
    }

    /** Whether the line shows the unikernel's name (default true; {@code umonitor run} leaves it out). */
    public LogRecordFormatter withUnikernel(boolean value) {
        return new LogRecordFormatter(value, fullTimestamps, colour, zone);
    }

    /** The full UTC timestamp with microseconds, as in the text log files, instead of the local time of day. */
    public LogRecordFormatter withFullTimestamps(boolean value) {
        return new LogRecordFormatter(unikernel, value, colour, zone);
    }

    /** ANSI colours for level and name (default off): only for terminals that show them. */
    public LogRecordFormatter withColour(boolean value) {
        return new LogRecordFormatter(unikernel, fullTimestamps, value, zone);
    }

    /** The zone of the time of day (default: the system's). */
    public LogRecordFormatter withZone(ZoneId value) {
        return new LogRecordFormatter(unikernel, fullTimestamps, colour, Objects.requireNonNull(value, "zone"));
    }

    /** The record as one line, without a line terminator. */
    public String format(LogRecord r) {
        return format(r, r.message());
    }

    /**
     * The record as one line with {@code message} in place of its own (e.g. a trace record's address resolved
     * to a function name).
     */
    public String format(LogRecord r, String message) {
        StringBuilder line = new StringBuilder(160);
        line.append(fullTimestamps ? FULL_TIME.format(r.receivedAt())
                : TIME_OF_DAY.format(r.receivedAt().atZone(zone != null ? zone : ZoneId.systemDefault()))).append(' ');
        if (unikernel) {
            paint(line, colour ? NAME_COLOURS[Math.floorMod(r.unikernel().hashCode(), NAME_COLOURS.length)] : null,
                    String.format("%-12s", terminalSafe(r.unikernel())));
            line.append(' ');
        }
        paint(line, levelColour(r.level()), String.format("%-5s", r.level()));
        line.append(' ').append(String.format("%-7s", r.origin().name().toLowerCase(Locale.ROOT)));
        if (!r.logger().isEmpty()) {
            line.append(' ').append('[').append(terminalSafe(r.logger())).append(']');
        }
        line.append(' ').append(terminalSafe(message));
        for (Attribute a : r.attributes()) {
            line.append(' ');
            paint(line, colour ? DIM : null, terminalSafe(a.key()) + "=");
            line.append(terminalSafe(a.value().render()));
        }
        return line.toString();
    }

    private void paint(StringBuilder line, String code, String text) {
        if (code != null) {
            line.append(code).append(text).append(RESET);
        } else {
            line.append(text);
        }
    }

    private String levelColour(LogLevel level) {
        if (!colour) {
            return null;
        }
        return switch (level) {
            case TRACE, DEBUG -> DIM;
            case INFO -> "\u001b[32m";
            case WARN -> "\u001b[33m";
            case ERROR -> "\u001b[31m";
            case FATAL -> "\u001b[1;31m";
        };
    }

    /**
     * Guest text for a person at a terminal: as written (backslashes single, tabs as tabs) except what could
     * drive the terminal or forge a line: other C0/C1 controls, DEL, Unicode line separators, bidi overrides
     * and the byte order mark, shown as {@code \n}, {@code \xNN} or {@code \}{@code uNNNN}.
     */
    public static String terminalSafe(String s) {
        int n = s.length();
        int i = 0;
        while (i < n && !needsEscape(s.charAt(i))) {
            i++;
        }
        if (i == n) {
            return s;
        }
        StringBuilder out = new StringBuilder(n + 16).append(s, 0, i);
        for (; i < n; i++) {
            char c = s.charAt(i);
            if (!needsEscape(c)) {
                out.append(c);
            } else if (c == '\n') {
                out.append("\\n");
            } else if (c == '\r') {
                out.append("\\r");
            } else if (c < 0x20 || (c >= 0x7f && c <= 0x9f)) {
                out.append(String.format("\\x%02x", (int) c));
            } else {
                out.append(String.format("\\u%04x", (int) c));
            }
        }
        return out.toString();
    }

    /**
     * The one rule of what guest text may not show as itself on a terminal or in a log line: C0 and C1
     * controls and DEL (they drive a terminal), Unicode line and paragraph separators, bidi embeddings,
     * overrides and isolates, and the byte order mark (they change how text reads). Every output of umonitor
     * escapes or replaces these.
     */
    public static boolean isTerminalUnsafe(int c) {
        return c < 0x20 || (c >= 0x7f && c <= 0x9f) || (c >= 0x2028 && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069)
                || c == 0xfeff;
    }

    private static boolean needsEscape(char c) {
        return c != '\t' && isTerminalUnsafe(c);
    }
}
