package io.umonitor.examples.cli;

/**
 * Guest text for a person at a terminal: shown as the guest wrote it except what could drive the terminal
 * or forge a line. The rule is the public {@link io.umonitor.api.LogRecordFormatter#terminalSafe}, so
 * embedding platforms escape exactly as the command line does. Unlike the file sink's escaping
 * ({@link io.umonitor.core.sink.Escaping}) it is not reversible, and need not be: files keep the exact text.
 */
final class TerminalText {
    private TerminalText() {
    }

    static String show(String s) {
        return io.umonitor.api.LogRecordFormatter.terminalSafe(s);
    }
}
