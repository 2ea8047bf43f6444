package io.umonitor.examples.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
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

/** Log records as JSON objects, both ways, for the control socket and {@code logs --json}. */
final class RecordJson {
    static final ObjectMapper MAPPER = new ObjectMapper();

    private RecordJson() {
    }

    static ObjectNode toJson(LogRecord r) {
        ObjectNode n = MAPPER.createObjectNode();
        n.put("unikernel", r.unikernel());
        n.put("time", r.receivedAt().toString());
        n.put("level", r.level().name());
        n.put("origin", r.origin().name());
        if (r.sequence() >= 0) {
            n.put("sequence", r.sequence());
        }
        if (r.guestClock() != GuestClock.NONE) {
            n.put("guest_clock", r.guestClock().name());
            n.put("guest_nanos", r.guestNanos());
        }
        n.put("logger", r.logger());
        n.put("message", r.message());
        ArrayNode attrs = n.putArray("attributes");
        for (Attribute a : r.attributes()) {
            ObjectNode an = attrs.addObject();
            an.put("key", a.key());
            AttributeValue v = a.value();
            if (v instanceof AttributeValue.Str s) {
                an.put("type", "STRING").put("value", s.value());
            } else if (v instanceof AttributeValue.Int i) {
                an.put("type", "INT64").put("value", i.value());
            } else if (v instanceof AttributeValue.UInt u) {
                an.put("type", "UINT64").put("value", Long.toUnsignedString(u.value()));
            } else if (v instanceof AttributeValue.Float f) {
                an.put("type", "FLOAT64").put("value", f.value());
            } else if (v instanceof AttributeValue.Bool b) {
                an.put("type", "BOOL").put("value", b.value());
            } else if (v instanceof AttributeValue.Bytes b) {
                an.put("type", "BYTES").put("value", HexFormat.of().formatHex(b.value()));
            } else {
                an.put("type", "NULL").putNull("value");
            }
        }
        return n;
    }

    static LogRecord fromJson(JsonNode n) {
        List<Attribute> attrs = new ArrayList<>();
        for (JsonNode an : n.path("attributes")) {
            JsonNode v = an.path("value");
            AttributeValue value = switch (an.path("type").asText()) {
                case "STRING" -> new AttributeValue.Str(v.asText());
                case "INT64" -> new AttributeValue.Int(v.asLong());
                case "UINT64" -> new AttributeValue.UInt(Long.parseUnsignedLong(v.asText()));
                case "FLOAT64" -> new AttributeValue.Float(v.asDouble());
                case "BOOL" -> new AttributeValue.Bool(v.asBoolean());
                case "BYTES" -> new AttributeValue.Bytes(HexFormat.of().parseHex(v.asText()));
                default -> new AttributeValue.Null();
            };
            attrs.add(new Attribute(an.path("key").asText(), value));
        }
        GuestClock clock = n.has("guest_clock") ? GuestClock.valueOf(n.get("guest_clock").asText()) : GuestClock.NONE;
        return new LogRecord(n.path("unikernel").asText(), LogOrigin.valueOf(n.path("origin").asText("MONITOR")),
                n.path("sequence").asLong(-1), clock, n.path("guest_nanos").asLong(0),
                Instant.parse(n.path("time").asText()), LogLevel.valueOf(n.path("level").asText("INFO")),
                n.path("logger").asText(""), n.path("message").asText(""), attrs);
    }
}
