package io.umonitor.examples.cli;

import io.umonitor.api.Attribute;
import io.umonitor.api.AttributeValue;
import io.umonitor.api.GuestClock;
import io.umonitor.api.LogLevel;
import io.umonitor.api.LogOrigin;
import io.umonitor.api.LogRecord;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Reads back a line of the file sink's text format
 * ({@code 2026-11-25T07:44:34.123456Z INFO  tcp #42 [http] GET / {line=42 function="main"}}), for text
 * files without their JSON Lines companion (written by an embedding program, or before the CLI kept one).
 * The escaping is undone exactly; what the text cannot say is guessed: an unquoted attribute value is an int,
 * a float, a bool or bytes by its look, and a message that itself ends in {@code {k=v}} is read as attributes.
 */
final class TextLogParser {
    private TextLogParser() {
    }

    static Optional<LogRecord> parse(String unikernel, String line) {
        try {
            int p = line.indexOf(' ');
            Instant time = Instant.parse(line.substring(0, p));
            int q = line.indexOf(' ', p + 1);
            LogLevel level = LogLevel.valueOf(line.substring(p + 1, q));
            while (line.charAt(q) == ' ') {
                q++;
            }
            int r = line.indexOf(' ', q);
            LogOrigin origin = LogOrigin.valueOf(line.substring(q, r < 0 ? line.length() : r).toUpperCase(Locale.ROOT));
            String rest = r < 0 ? "" : line.substring(r + 1);
            long sequence = -1;
            if (rest.startsWith("#")) {
                int s = rest.indexOf(' ');
                sequence = Long.parseLong(rest.substring(1, s < 0 ? rest.length() : s));
                rest = s < 0 ? "" : rest.substring(s + 1);
            }
            String logger = "";
            if (rest.startsWith("[")) {
                int close = rest.indexOf("] ");
                if (close < 0 && rest.endsWith("]")) {
                    close = rest.length() - 1;
                }
                if (close > 0) {
                    logger = unescape(rest.substring(1, close));
                    rest = close + 2 <= rest.length() ? rest.substring(close + 2) : "";
                }
            }
            List<Attribute> attributes = new ArrayList<>();
            int brace = rest.endsWith("}") ? rest.lastIndexOf(" {") : -1;
            while (brace >= 0) {
                List<Attribute> parsed = attributes(rest.substring(brace + 2, rest.length() - 1));
                if (parsed != null) {
                    attributes = parsed;
                    rest = rest.substring(0, brace);
                    break;
                }
                brace = rest.lastIndexOf(" {", brace - 1);
            }
            return Optional.of(new LogRecord(unikernel, origin, sequence, GuestClock.NONE, 0, time, level, logger,
                    unescape(rest), attributes));
        } catch (RuntimeException e) {
            return Optional.empty(); // not a record line (a truncated tail, or not this format)
        }
    }

    /** {@code k=v k2="s"}, or null when the text is not such a list. */
    private static List<Attribute> attributes(String s) {
        List<Attribute> out = new ArrayList<>();
        int i = 0;
        while (i < s.length()) {
            int eq = s.indexOf('=', i);
            if (eq <= i) {
                return null;
            }
            String key = unescape(s.substring(i, eq));
            if (key.contains(" ")) {
                return null;
            }
            int v = eq + 1;
            AttributeValue value;
            if (v < s.length() && s.charAt(v) == '"') {
                int end = v + 1;
                while (end < s.length() && s.charAt(end) != '"') {
                    end += s.charAt(end) == '\\' ? 2 : 1;
                }
                if (end >= s.length()) {
                    return null;
                }
                value = new AttributeValue.Str(unescape(s.substring(v + 1, end)));
                i = end + 1;
            } else {
                int end = s.indexOf(' ', v);
                end = end < 0 ? s.length() : end;
                value = guess(unescape(s.substring(v, end)));
                i = end;
            }
            out.add(new Attribute(key, value));
            if (i < s.length()) {
                if (s.charAt(i) != ' ') {
                    return null;
                }
                i++;
            }
        }
        return out;
    }

    private static AttributeValue guess(String v) {
        if (v.equals("true") || v.equals("false")) {
            return new AttributeValue.Bool(Boolean.parseBoolean(v));
        }
        if (v.equals("null")) {
            return new AttributeValue.Null();
        }
        if (v.matches("0x([0-9a-f]{2})*")) {
            return new AttributeValue.Bytes(HexFormat.of().parseHex(v.substring(2)));
        }
        if (v.matches("-?\\d+")) {
            try {
                return new AttributeValue.Int(Long.parseLong(v));
            } catch (NumberFormatException e) {
                return new AttributeValue.UInt(Long.parseUnsignedLong(v));
            }
        }
        if (v.matches("-?[\\d.]+(E-?\\d+)?|NaN|-?Infinity")) {
            return new AttributeValue.Float(Double.parseDouble(v));
        }
        return new AttributeValue.Str(v);
    }

    /** Undoes the text format's escaping (backslash before n, r, t, a quote, a backslash, xNN or uNNNN). */
    static String unescape(String s) {
        if (s.indexOf('\\') < 0) {
            return s;
        }
        StringBuilder out = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c != '\\' || i + 1 >= s.length()) {
                out.append(c);
                continue;
            }
            char e = s.charAt(++i);
            switch (e) {
                case 'n' -> out.append('\n');
                case 'r' -> out.append('\r');
                case 't' -> out.append('\t');
                case 'x' -> {
                    out.append((char) Integer.parseInt(s.substring(i + 1, i + 3), 16));
                    i += 2;
                }
                case 'u' -> {
                    out.append((char) Integer.parseInt(s.substring(i + 1, i + 5), 16));
                    i += 4;
                }
                default -> out.append(e);
            }
        }
        return out.toString();
    }
}
