package io.umonitor.examples.cli;

import io.umonitor.api.LifecycleEvent;
import io.umonitor.api.LogRecord;
import io.umonitor.api.LogRecordFormatter;
import io.umonitor.protocol.trace.AddressSymbolizer;
import java.io.PrintStream;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;

/**
 * Prints log records one per line for people, in the public {@link LogRecordFormatter}'s layout (so embedding
 * platforms print the same lines), and lifecycle events. Colour only when writing to a terminal; guest text
 * is always escaped.
 */
final class RecordPrinter {
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HH:mm:ss.SSS").withZone(ZoneId.systemDefault());
    private static final String RESET = "\u001b[0m";

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
        LogRecordFormatter f = LogRecordFormatter.standard().withUnikernel(showName).withColour(colour)
                .withFullTimestamps(fullTimestamps);
        return symbols == null ? f.format(r) : f.format(r, TraceView.describe(r, symbols).orElse(r.message()));
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

}
