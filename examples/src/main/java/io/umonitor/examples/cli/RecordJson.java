package io.umonitor.examples.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.math.BigInteger;
import io.umonitor.api.Attribute;
import io.umonitor.api.AttributeValue;
import io.umonitor.api.GuestClock;
import io.umonitor.api.LogLevel;
import io.umonitor.api.LogOrigin;
import io.umonitor.api.LogRecord;
import io.umonitor.core.sink.FileSink;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * Log records as JSON, in exactly the shape the file sink's JSON Lines hold (one encoder for both), and
 * back: the control socket, {@code logs --json} and reading JSON log files all use it.
 */
final class RecordJson {
    static final ObjectMapper MAPPER = new ObjectMapper();
    private static final ThreadLocal<FileSink.JsonLineEncoder> ENCODER = ThreadLocal.withInitial(FileSink.JsonLineEncoder::new);

    private RecordJson() {
    }

    static JsonNode toJson(LogRecord r) {
        FileSink.JsonLineEncoder encoder = ENCODER.get();
        encoder.encode(r);
        try {
            return MAPPER.readTree(encoder.bytes(), 0, encoder.length());
        } catch (IOException e) {
            throw new UncheckedIOException("the file sink's JSON encoder wrote unreadable JSON", e);
        }
    }

    /**
     * The command line's JSON for a record: the file's shape, except that {@code attributes} is an object
     * keyed by attribute name holding the exact value (so {@code jq .attributes.status} works; unsigned
     * values beyond 2^63 stay exact numbers, bytes are "0x..." strings) and {@code attributeTypes} names each
     * value's type (str, int, uint, float, bool, bytes, null), so the record can be rebuilt exactly. A key
     * that occurs twice keeps its last value.
     */
    static ObjectNode toCliJson(LogRecord r) {
        ObjectNode n = (ObjectNode) toJson(r);
        n.remove("attributes");
        if (!r.attributes().isEmpty()) {
            ObjectNode values = n.putObject("attributes");
            ObjectNode types = n.putObject("attributeTypes");
            for (Attribute a : r.attributes()) {
                AttributeValue v = a.value();
                String type;
                if (v instanceof AttributeValue.Str s) {
                    values.put(a.key(), s.value());
                    type = "str";
                } else if (v instanceof AttributeValue.Int i) {
                    values.put(a.key(), i.value());
                    type = "int";
                } else if (v instanceof AttributeValue.UInt u) {
                    values.put(a.key(), new BigInteger(Long.toUnsignedString(u.value())));
                    type = "uint";
                } else if (v instanceof AttributeValue.Float f) {
                    values.put(a.key(), f.value());
                    type = "float";
                } else if (v instanceof AttributeValue.Bool b) {
                    values.put(a.key(), b.value());
                    type = "bool";
                } else if (v instanceof AttributeValue.Bytes) {
                    values.put(a.key(), v.render());
                    type = "bytes";
                } else {
                    values.putNull(a.key());
                    type = "null";
                }
                types.put(a.key(), type);
            }
        }
        return n;
    }

    /** Reads the file's JSON (attributes as an array of key/value/type) or the command line's (an object plus types). */
    static LogRecord fromJson(JsonNode n) {
        List<Attribute> attrs = new ArrayList<>();
        JsonNode attributes = n.path("attributes");
        if (attributes.isObject()) {
            JsonNode types = n.path("attributeTypes");
            attributes.fields().forEachRemaining(e -> attrs.add(new Attribute(e.getKey(),
                    value(types.path(e.getKey()).asText(guessType(e.getValue())), e.getValue()))));
        }
        for (JsonNode an : attributes.isArray() ? attributes : MAPPER.createArrayNode()) {
            attrs.add(new Attribute(an.path("key").asText(), value(an.path("type").asText(), an.path("value"))));
        }
        GuestClock clock = n.has("guestClock") ? GuestClock.valueOf(n.get("guestClock").asText()) : GuestClock.NONE;
        return new LogRecord(n.path("unikernel").asText(), LogOrigin.valueOf(n.path("origin").asText("MONITOR")),
                n.path("sequence").asLong(-1), clock, n.path("guestNanos").asLong(0),
                Instant.parse(n.path("time").asText()), LogLevel.valueOf(n.path("level").asText("INFO")),
                n.path("logger").asText(""), n.path("message").asText(""), attrs);
    }

    private static String guessType(JsonNode v) {
        return v.isTextual() ? "str" : v.isIntegralNumber() ? "int" : v.isNumber() ? "float" : v.isBoolean() ? "bool" : "null";
    }

    private static AttributeValue value(String type, JsonNode v) {
        return switch (type) {
            case "str" -> new AttributeValue.Str(v.asText());
            case "int" -> new AttributeValue.Int(v.asLong());
            case "uint" -> new AttributeValue.UInt(Long.parseUnsignedLong(v.asText()));
            case "float" -> new AttributeValue.Float(v.asDouble());
            case "bool" -> new AttributeValue.Bool(v.asBoolean());
            case "bytes" -> new AttributeValue.Bytes(HexFormat.of().parseHex(v.asText().replaceFirst("^0x", "")));
            default -> new AttributeValue.Null();
        };
    }
}
