package io.umonitor.examples.cli;

/**
 * Makes guest-controlled text safe to print on a terminal: a guest must not be able to move the
 * cursor, change colours, set the window title or start a new line that looks like umonitor's own.
 */
final class TerminalText {
    private TerminalText() {
    }

    /**
     * Escapes C0 and C1 control characters (ESC, CR, LF, BEL, backspace ...) and DEL as {@code \xNN} or
     * {@code \\uNNNN}, and the backslash itself, so the escaping cannot be forged either.
     */
    static String escape(String text) {
        StringBuilder out = null;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            boolean control = c < 0x20 || c == 0x7f || (c >= 0x80 && c <= 0x9f) || c == '\\'
                    || c == '\u2028' || c == '\u2029';
            if (!control) {
                if (out != null) {
                    out.append(c);
                }
                continue;
            }
            if (out == null) {
                out = new StringBuilder(text.length() + 16).append(text, 0, i);
            }
            switch (c) {
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                default -> {
                    if (c <= 0xff) {
                        out.append(String.format("\\x%02x", (int) c));
                    } else {
                        out.append(String.format("\\u%04x", (int) c));
                    }
                }
            }
        }
        return out == null ? text : out.toString();
    }
}
