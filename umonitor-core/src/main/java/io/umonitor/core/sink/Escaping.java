package io.umonitor.core.sink;

import io.umonitor.api.LogRecordFormatter;

/**
 * The text format's escaping as a String function: for sinks that hand guest text to other libraries, and
 * for anything that shows guest text on a terminal (the command line). C0 and C1 controls and DEL become
 * {@code \xNN} ({@code \n}, {@code \r}, {@code \t} for the usual ones); Unicode line separators, bidi
 * overrides and the BOM become a backslash, {@code u} and four hex digits; a backslash is doubled. So guest
 * text can neither start a line, drive a terminal, nor forge the escaping itself.
 *
 * @since 0.1
 */
public final class Escaping {
    private Escaping() {
    }

    /** C0 and C1 controls and DEL: what drives a terminal. Escaped as {@code \xNN}. */
    static boolean isControl(int c) {
        return c < 0x20 || (c >= 0x7f && c <= 0x9f);
    }

    /**
     * Invisible characters that change how text reads: Unicode line and paragraph separators, bidi
     * embeddings, overrides and isolates, and the BOM. Escaped as a backslash, {@code u} and four hex digits.
     */
    static boolean isInvisibleFormat(int c) {
        return isTerminalUnsafe(c) && !isControl(c);
    }

    /** {@link LogRecordFormatter#isTerminalUnsafe}: one rule for every output of umonitor. */
    public static boolean isTerminalUnsafe(int c) {
        return LogRecordFormatter.isTerminalUnsafe(c);
    }

    /** {@code s} escaped; {@code s} itself when nothing needs escaping. */
    public static String escape(String s) {
        int n = s.length();
        int i = 0;
        while (i < n) {
            char c = s.charAt(i);
            if (c == '\\' || isTerminalUnsafe(c)) {
                break;
            }
            i++;
        }
        if (i == n) {
            return s;
        }
        StringBuilder out = new StringBuilder(n + 16).append(s, 0, i);
        for (; i < n; i++) {
            char c = s.charAt(i);
            switch (c) {
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                default -> {
                    if (isControl(c)) {
                        out.append(String.format("\\x%02x", (int) c));
                    } else if (isInvisibleFormat(c)) {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        return out.toString();
    }
}
