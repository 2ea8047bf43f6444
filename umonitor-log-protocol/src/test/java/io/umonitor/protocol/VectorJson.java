package io.umonitor.protocol;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.umonitor.api.Attribute;
import io.umonitor.api.AttributeValue;
import io.umonitor.api.GuestClock;
import io.umonitor.api.LogLevel;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/** The frame objects of PROTOCOL.md section 9, both ways. */
final class VectorJson {
    private static final JsonNodeFactory F = JsonNodeFactory.instance;
    private static final HexFormat HEX = HexFormat.of();

    private VectorJson() {
    }

    static ObjectNode toJson(Frame frame) {
        ObjectNode o = F.objectNode();
        if (frame instanceof Hello h) {
            o.put("type", "HELLO");
            o.put("name", h.name());
            o.put("token", h.token());
            o.put("client", h.clientName());
            o.put("client_version", h.clientVersion());
            o.put("session", Long.toUnsignedString(h.session()));
        } else if (frame instanceof RecordFrame r) {
            o.put("type", "RECORD");
            o.put("sequence", Long.toUnsignedString(r.sequence()));
            o.put("clock", r.clock().name());
            o.put("timestamp", Long.toString(r.timestampNanos()));
            o.put("level", r.level().name());
            o.put("logger", r.logger());
            o.put("message", r.message());
            ArrayNode attributes = o.putArray("attributes");
            for (Attribute a : r.attributes()) {
                ObjectNode attr = attributes.addObject();
                attr.put("key", a.key());
                AttributeValue v = a.value();
                if (v instanceof AttributeValue.Null) {
                    attr.put("type", "NULL");
                    attr.putNull("value");
                } else if (v instanceof AttributeValue.Str s) {
                    attr.put("type", "STRING");
                    attr.put("value", s.value());
                } else if (v instanceof AttributeValue.Int i) {
                    attr.put("type", "INT64");
                    attr.put("value", Long.toString(i.value()));
                } else if (v instanceof AttributeValue.UInt u) {
                    attr.put("type", "UINT64");
                    attr.put("value", Long.toUnsignedString(u.value()));
                } else if (v instanceof AttributeValue.Float d) {
                    attr.put("type", "FLOAT64");
                    attr.put("value", String.format("%016x", Double.doubleToRawLongBits(d.value())));
                } else if (v instanceof AttributeValue.Bool b) {
                    attr.put("type", "BOOL");
                    attr.put("value", b.value());
                } else if (v instanceof AttributeValue.Bytes b) {
                    attr.put("type", "BYTES");
                    attr.put("value", HEX.formatHex(b.value()));
                }
            }
        } else if (frame instanceof Goodbye g) {
            o.put("type", "GOODBYE");
            o.put("produced", Long.toUnsignedString(g.produced()));
            o.put("dropped", Long.toUnsignedString(g.dropped()));
            o.put("reason", g.reason());
        }
        return o;
    }

    static ArrayNode toJson(List<? extends Frame> frames) {
        ArrayNode a = F.arrayNode();
        frames.forEach(f -> a.add(toJson(f)));
        return a;
    }

    static Frame fromJson(JsonNode o) {
        switch (o.get("type").asText()) {
            case "HELLO":
                return new Hello(o.get("name").asText(), o.get("token").asText(), o.get("client").asText(),
                        o.get("client_version").asText(), Long.parseUnsignedLong(o.get("session").asText()));
            case "RECORD": {
                List<Attribute> attributes = new ArrayList<>();
                for (JsonNode a : o.get("attributes")) {
                    JsonNode v = a.get("value");
                    AttributeValue value;
                    switch (a.get("type").asText()) {
                        case "NULL" -> value = new AttributeValue.Null();
                        case "STRING" -> value = new AttributeValue.Str(v.asText());
                        case "INT64" -> value = new AttributeValue.Int(Long.parseLong(v.asText()));
                        case "UINT64" -> value = new AttributeValue.UInt(Long.parseUnsignedLong(v.asText()));
                        case "FLOAT64" -> value = new AttributeValue.Float(
                                Double.longBitsToDouble(Long.parseUnsignedLong(v.asText(), 16)));
                        case "BOOL" -> value = new AttributeValue.Bool(v.booleanValue());
                        case "BYTES" -> value = new AttributeValue.Bytes(HEX.parseHex(v.asText()));
                        default -> throw new IllegalArgumentException("attribute type " + a.get("type"));
                    }
                    attributes.add(new Attribute(a.get("key").asText(), value));
                }
                return new RecordFrame(Long.parseUnsignedLong(o.get("sequence").asText()),
                        GuestClock.valueOf(o.get("clock").asText()), Long.parseLong(o.get("timestamp").asText()),
                        LogLevel.valueOf(o.get("level").asText()), o.get("logger").asText(), o.get("message").asText(),
                        attributes);
            }
            case "GOODBYE":
                return new Goodbye(Long.parseUnsignedLong(o.get("produced").asText()),
                        Long.parseUnsignedLong(o.get("dropped").asText()), o.get("reason").asText());
            default:
                throw new IllegalArgumentException("frame type " + o.get("type"));
        }
    }

    static List<Frame> framesFromJson(Iterable<JsonNode> frames) {
        List<Frame> list = new ArrayList<>();
        frames.forEach(f -> list.add(fromJson(f)));
        return list;
    }
}
