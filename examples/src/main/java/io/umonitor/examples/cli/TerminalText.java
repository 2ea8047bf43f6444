package io.umonitor.examples.cli;

/**
 * Guest text for a person at a terminal: as the guest wrote it (backslashes single, tabs as tabs) except
 * what could drive the terminal or forge a line: other C0/C1 controls, DEL, Unicode line separators, bidi
 * overrides and the BOM are shown as {@code \n}, {@code \xNN} or {@code \}{@code uNNNN}. Unlike the file
 * sink's escaping ({@link io.umonitor.core.sink.Escaping}) this is not reversible, and need not be: files
 * keep the exact text.
 */
final class TerminalText {
    private TerminalText() {
    }

    static String show(String s) {
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

    private static boolean needsEscape(char c) {
        return (c < 0x20 && c != '\t') || (c >= 0x7f && c <= 0x9f) || (c >= 0x2028 && c <= 0x202e)
                || (c >= 0x2066 && c <= 0x2069) || c == 0xfeff;
    }
}
