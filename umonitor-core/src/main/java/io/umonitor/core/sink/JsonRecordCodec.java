package io.umonitor.core.sink;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.SerializableString;
import com.fasterxml.jackson.core.io.CharacterEscapes;
import com.fasterxml.jackson.core.io.SerializedString;
import com.fasterxml.jackson.databind.JsonNode;
import io.umonitor.api.Attribute;
import io.umonitor.api.AttributeValue;
import io.umonitor.api.GuestClock;
import io.umonitor.api.LaunchIdentity;
import io.umonitor.api.LogLevel;
import io.umonitor.api.LogOrigin;
import io.umonitor.api.LogRecord;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * The one JSON shape of a log record, written and read here only: the file sink's JSON Lines, the live
 * stream of the web gateway and the command line's {@code logs --json} all use it.
 *
 * <pre>
 * {"time":"2026-11-25T07:44:34.123456Z","unikernel":"web-1","level":"INFO","origin":"TCP",
 *  "launch":"0f8fad5b-d9cb-469f-a165-70867728950e","restart":1,
 *  "sequence":"42","guestClock":"WALL","guestNanos":"1764056674123456789","logger":"http",
 *  "message":"GET /","attributes":[{"key":"line","value":"42","type":"int"}, ...]}
 * </pre>
 *
 * <p>{@code launch} (the run's launch id) and {@code restart} (0 for the first run of a launch) are there
 * when the record came from a run of a launched unikernel, and absent for attached senders; lines without
 * them (files written before they existed) read as records of no run.
 *
 * <p>Every 64-bit integer (the {@code sequence}, {@code guestNanos}, INT64 and UINT64 attribute values) is
 * a JSON string of decimal digits, signed for {@code int}, unsigned for {@code uint} and the sequence, so
 * that every reader (JavaScript, jq, Jackson) gets it exactly: JSON numbers above 2^53 are rounded by
 * many parsers. A FLOAT64 value is a JSON number when finite (the shortest text that reads back to the
 * same bits, {@code -0.0} included); otherwise a string: {@code "Infinity"}, {@code "-Infinity"},
 * {@code "NaN"} for the bit pattern 0x7ff8000000000000, and {@code "NaN(0x7ff8000000000123)"} with the 16
 * hex digits of any other NaN's bits, so a record keeps the bits the guest sent.
 */
public final class JsonRecordCodec {
    private JsonRecordCodec() {
    }

    /** The attribute type names of the JSON shape, by value variant. */
    static String typeName(AttributeValue v) {
        if (v instanceof AttributeValue.Str) {
            return "str";
        } else if (v instanceof AttributeValue.Int) {
            return "int";
        } else if (v instanceof AttributeValue.UInt) {
            return "uint";
        } else if (v instanceof AttributeValue.Float) {
            return "float";
        } else if (v instanceof AttributeValue.Bool) {
            return "bool";
        } else if (v instanceof AttributeValue.Bytes) {
            return "bytes";
        }
        return "null";
    }

    /**
     * Reads one record written by {@link Encoder}. Files written before 64-bit integers became strings
     * (plain JSON numbers) read too.
     *
     * @throws IllegalArgumentException when a field holds something the encoder never writes
     */
    public static LogRecord decode(JsonNode n) {
        List<Attribute> attrs = new ArrayList<>();
        for (JsonNode an : n.path("attributes")) {
            JsonNode v = an.path("value");
            AttributeValue value = switch (an.path("type").asText()) {
                case "str" -> new AttributeValue.Str(v.asText());
                case "int" -> new AttributeValue.Int(Long.parseLong(v.asText()));
                case "uint" -> new AttributeValue.UInt(Long.parseUnsignedLong(v.asText()));
                case "float" -> new AttributeValue.Float(v.isNumber() ? v.asDouble() : parseFloat(v.asText()));
                case "bool" -> new AttributeValue.Bool(v.asBoolean());
                case "bytes" -> new AttributeValue.Bytes(HexFormat.of().parseHex(v.asText().replaceFirst("^0x", "")));
                default -> new AttributeValue.Null();
            };
            attrs.add(new Attribute(an.path("key").asText(), value));
        }
        GuestClock clock = n.has("guestClock") ? GuestClock.valueOf(n.get("guestClock").asText()) : GuestClock.NONE;
        JsonNode sequence = n.get("sequence");
        JsonNode launchId = n.get("launch");
        LaunchIdentity launch = launchId == null || launchId.asText().isEmpty() ? LaunchIdentity.NONE
                : new LaunchIdentity(launchId.asText(), n.path("restart").asInt(0), "", "");
        boolean hasSequence = sequence != null && !sequence.isNull();
        return new LogRecord(n.path("unikernel").asText(), LogOrigin.valueOf(n.path("origin").asText("MONITOR")),
                hasSequence, hasSequence ? Long.parseUnsignedLong(sequence.asText()) : 0, clock,
                n.has("guestNanos") ? Long.parseLong(n.get("guestNanos").asText()) : 0,
                Instant.parse(n.path("time").asText()), LogLevel.valueOf(n.path("level").asText("INFO")),
                n.path("logger").asText(""), n.path("message").asText(""), attrs, launch);
    }

    /** The JSON text of a FLOAT64 that is not finite, as {@link #decode} reads it back. */
    static String nonFiniteText(double value) {
        if (value == Double.POSITIVE_INFINITY) {
            return "Infinity";
        } else if (value == Double.NEGATIVE_INFINITY) {
            return "-Infinity";
        }
        return AttributeValue.Float.nanText(Double.doubleToRawLongBits(value));
    }

    private static double parseFloat(String text) {
        switch (text) {
            case "Infinity":
                return Double.POSITIVE_INFINITY;
            case "-Infinity":
                return Double.NEGATIVE_INFINITY;
            case "NaN":
                return Double.NaN;
            default:
                if (text.startsWith("NaN(0x") && text.endsWith(")") && text.length() == 23) {
                    return Double.longBitsToDouble(Long.parseUnsignedLong(text.substring(6, 22), 16));
                }
                return Double.parseDouble(text);
        }
    }

    /**
     * JSON Lines through Jackson's streaming generator, with terminal controls escaped too. Not
     * thread-safe: one per writer thread.
     */
    public static final class Encoder {
        private static final int TIME_LENGTH = 27;
        private final LineOutput out = new LineOutput();
        private final JsonGenerator generator;
        private final TimeFormat time = new TimeFormat();

        public Encoder() {
            try {
                generator = new JsonFactory().createGenerator(out);
                generator.setCharacterEscapes(new TerminalSafeEscapes());
                generator.setRootValueSeparator(null);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        /** Encodes one record as a line ending in '\n'; read it with {@link #bytes()} and {@link #length()}. */
        public void encode(LogRecord r) {
            out.reset();
            try {
                generator.writeStartObject();
                generator.writeFieldName("time");
                generator.writeString(time.format(r.receivedAt()), 0, TIME_LENGTH);
                generator.writeStringField("unikernel", r.unikernel());
                generator.writeStringField("level", r.level().name());
                generator.writeStringField("origin", r.origin().name());
                if (r.launch().isKnown()) {
                    generator.writeStringField("launch", r.launch().launchId());
                    generator.writeNumberField("restart", r.launch().restart());
                }
                if (r.hasSequence()) {
                    generator.writeStringField("sequence", Long.toUnsignedString(r.sequence()));
                }
                if (r.guestClock() != GuestClock.NONE) {
                    generator.writeStringField("guestClock", r.guestClock().name());
                    generator.writeStringField("guestNanos", Long.toString(r.guestNanos()));
                }
                generator.writeStringField("logger", r.logger());
                generator.writeStringField("message", r.message());
                if (!r.attributes().isEmpty()) {
                    generator.writeArrayFieldStart("attributes");
                    for (Attribute a : r.attributes()) {
                        generator.writeStartObject();
                        generator.writeStringField("key", a.key());
                        AttributeValue v = a.value();
                        if (v instanceof AttributeValue.Str s) {
                            generator.writeStringField("value", s.value());
                        } else if (v instanceof AttributeValue.Int n) {
                            generator.writeStringField("value", Long.toString(n.value()));
                        } else if (v instanceof AttributeValue.UInt n) {
                            generator.writeStringField("value", Long.toUnsignedString(n.value()));
                        } else if (v instanceof AttributeValue.Float f) {
                            if (Double.isFinite(f.value())) {
                                generator.writeNumberField("value", f.value());
                            } else {
                                generator.writeStringField("value", nonFiniteText(f.value()));
                            }
                        } else if (v instanceof AttributeValue.Bool b) {
                            generator.writeBooleanField("value", b.value());
                        } else if (v instanceof AttributeValue.Null) {
                            generator.writeNullField("value");
                        } else {
                            generator.writeStringField("value", v.render());
                        }
                        generator.writeStringField("type", typeName(v));
                        generator.writeEndObject();
                    }
                    generator.writeEndArray();
                }
                generator.writeEndObject();
                generator.writeRaw('\n');
                generator.flush();
            } catch (IOException e) {
                throw new UncheckedIOException("cannot encode a record as JSON: " + e.getMessage(), e);
            }
        }

        public byte[] bytes() {
            return out.buf;
        }

        public int length() {
            return out.count;
        }
    }

    /** {@code 2026-11-25T07:44:34.123456Z} into a reused char array, formatting each second only once. */
    private static final class TimeFormat {
        private static final java.time.format.DateTimeFormatter SECONDS = java.time.format.DateTimeFormatter
                .ofPattern("yyyy-MM-dd'T'HH:mm:ss.").withZone(java.time.ZoneOffset.UTC);
        private final char[] chars = new char[27];
        private long second = Long.MIN_VALUE;

        char[] format(java.time.Instant t) {
            if (t.getEpochSecond() != second) {
                second = t.getEpochSecond();
                SECONDS.format(t).getChars(0, 20, chars, 0);
                chars[26] = 'Z';
            }
            int micros = t.getNano() / 1000;
            for (int i = 25; i >= 20; i--) {
                chars[i] = (char) ('0' + micros % 10);
                micros /= 10;
            }
            return chars;
        }
    }

    /** A reusable in-memory stream the JSON generator writes one line into. */
    private static final class LineOutput extends java.io.OutputStream {
        byte[] buf = new byte[1024];
        int count;

        void reset() {
            count = 0;
        }

        private void ensure(int more) {
            if (count + more > buf.length) {
                buf = java.util.Arrays.copyOf(buf, Math.max(buf.length * 2, count + more));
            }
        }

        @Override
        public void write(int b) {
            ensure(1);
            buf[count++] = (byte) b;
        }

        @Override
        public void write(byte[] b, int off, int len) {
            ensure(len);
            System.arraycopy(b, off, buf, count, len);
            count += len;
        }
    }

    /** JSON's own escapes plus DEL, C1 controls, line separators and bidi overrides. */
    private static final class TerminalSafeEscapes extends CharacterEscapes {
        private final int[] ascii;

        TerminalSafeEscapes() {
            ascii = standardAsciiEscapesForJSON();
            ascii[0x7f] = ESCAPE_STANDARD;
        }

        @Override
        public int[] getEscapeCodesForAscii() {
            return ascii;
        }

        @Override
        public SerializableString getEscapeSequence(int ch) {
            if (Escaping.isTerminalUnsafe(ch)) {
                return new SerializedString(String.format("\\u%04x", ch));
            }
            return null;
        }
    }
}
