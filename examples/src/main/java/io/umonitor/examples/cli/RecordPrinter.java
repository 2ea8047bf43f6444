package io.umonitor.examples.cli;

import io.umonitor.api.Attribute;
import io.umonitor.api.LifecycleEvent;
import io.umonitor.api.LogLevel;
import io.umonitor.api.LogRecord;
import io.umonitor.protocol.trace.AddressSymbolizer;
import java.io.PrintStream;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;

/**
 * Prints log records one per line for people: time, unikernel, level, origin, logger, message and
 * attributes. Colour only when writing to a terminal; guest text is always escaped.
 */
final class RecordPrinter {
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HH:mm:ss.SSS").withZone(ZoneId.systemDefault());
    private static final DateTimeFormatter FULL_TIME =
            DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSSSS'Z'").withZone(java.time.ZoneOffset.UTC);
    private static final String RESET = "\u001b[0m";
    private static final String[] NAME_COLOURS = {"\u001b[36m", "\u001b[35m", "\u001b[34m", "\u001b[32m", "\u001b[33m"};

    private final PrintStream out;
    private final boolean colour;
    private final boolean showName;
    private final AddressSymbolizer symbols;
    private boolean fullTimestamps;

    RecordPrinter(PrintStream out, boolean colour, boolean showName) {
        this(out, colour, showName, null);
    }

    /** With {@code symbols}, trace records read {@code enter handle_request (server.c:42)}. */
    RecordPrinter(PrintStream out, boolean colour, boolean showName, AddressSymbolizer symbols) {
        this.out = out;
        this.colour = colour;
        this.showName = showName;
        this.symbols = symbols;
    }

    /** {@code -t}: the full UTC timestamp with microseconds (as in the text files) instead of the local time of day. */
    RecordPrinter withFullTimestamps(boolean value) {
        this.fullTimestamps = value;
        return this;
    }

    /** Colour when stdout is a terminal that is not "dumb" and NO_COLOR is not set (no-color.org). */
    static boolean terminalSupportsColour() {
        String term = System.getenv("TERM");
        return System.console() != null && System.getenv("NO_COLOR") == null && term != null && !term.equals("dumb");
    }

    synchronized void print(LogRecord r) {
        out.println(format(r));
    }

    /** Any other line, under the same lock, so it never lands inside a record's line. */
    synchronized void printLine(String line) {
        out.println(line);
    }

    synchronized void print(LifecycleEvent e) {
        out.println(format(e));
    }

    String format(LogRecord r) {
        StringBuilder line = new StringBuilder(160);
        line.append(fullTimestamps ? FULL_TIME.format(r.receivedAt()) : TIME.format(r.receivedAt())).append(' ');
        if (showName) {
            paint(line, nameColour(r.unikernel()), String.format("%-12s", TerminalText.show(r.unikernel())));
            line.append(' ');
        }
        paint(line, levelColour(r.level()), String.format("%-5s", r.level()));
        line.append(' ').append(String.format("%-7s", r.origin().name().toLowerCase(java.util.Locale.ROOT)));
        if (!r.logger().isEmpty()) {
            line.append(' ').append('[').append(TerminalText.show(r.logger())).append(']');
        }
        String message = symbols == null ? r.message() : TraceView.describe(r, symbols).orElse(r.message());
        line.append(' ').append(TerminalText.show(message));
        for (Attribute a : r.attributes()) {
            line.append(' ');
            paint(line, colour ? "\u001b[2m" : null, TerminalText.show(a.key()) + "=");
            line.append(TerminalText.show(a.value().render()));
        }
        return line.toString();
    }

    String format(LifecycleEvent e) {
        StringBuilder line = new StringBuilder(120);
        line.append(TIME.format(e.at())).append(' ');
        paint(line, colour ? "\u001b[1m" : null, "== " + e.unikernel() + " " + e.state());
        e.exitInfo().ifPresent(x -> line.append(": ").append(TerminalText.show(x.description()))
                .append(" (exit ").append(x.exitCode()).append(", ").append(x.classification()).append(')'));
        if (e.restarts() > 0) {
            line.append(" [restarts ").append(e.restarts()).append(']');
        }
        return line.toString();
    }

    private void paint(StringBuilder line, String code, String text) {
        if (colour && code != null) {
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
            case TRACE, DEBUG -> "\u001b[2m";
            case INFO -> "\u001b[32m";
            case WARN -> "\u001b[33m";
            case ERROR -> "\u001b[31m";
            case FATAL -> "\u001b[1;31m";
        };
    }

    private String nameColour(String name) {
        return colour ? NAME_COLOURS[Math.floorMod(name.hashCode(), NAME_COLOURS.length)] : null;
    }
}
