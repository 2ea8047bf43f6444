package io.umonitor.examples.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.umonitor.api.LogRecord;
import io.umonitor.core.sink.JsonRecordCodec;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Iterator;
import java.util.Map;

/**
 * Log records as JSON trees for the control socket, {@code logs --json} and reading JSON log files, through
 * the one {@link JsonRecordCodec} the file sink and the web gateway use too.
 */
final class RecordJson {
    static final ObjectMapper MAPPER = new ObjectMapper();
    private static final ThreadLocal<JsonRecordCodec.Encoder> ENCODER = ThreadLocal.withInitial(JsonRecordCodec.Encoder::new);

    private RecordJson() {
    }

    static JsonNode toJson(LogRecord r) {
        JsonRecordCodec.Encoder encoder = ENCODER.get();
        encoder.encode(r);
        try {
            return MAPPER.readTree(encoder.bytes(), 0, encoder.length());
        } catch (IOException e) {
            throw new UncheckedIOException("the file sink's JSON encoder wrote unreadable JSON", e);
        }
    }

    /**
     * The command line's JSON for a record: the codec's shape, except that {@code attributes} is an object
     * keyed by attribute name ({@code jq .attributes.status} works) and {@code attributeTypes} names each
     * value's type (str, int, uint, float, bool, bytes, null). Values are written as the codec writes them,
     * so they are exact: 64-bit integers as strings of digits, bytes as "0x..." strings. A key that occurs
     * twice keeps its last value.
     */
    static ObjectNode toCliJson(LogRecord r) {
        ObjectNode n = (ObjectNode) toJson(r);
        JsonNode list = n.remove("attributes");
        if (list != null && list.size() > 0) {
            ObjectNode values = MAPPER.createObjectNode();
            ObjectNode types = MAPPER.createObjectNode();
            for (JsonNode a : list) {
                values.set(a.path("key").asText(), a.path("value"));
                types.put(a.path("key").asText(), a.path("type").asText());
            }
            n.set("attributes", values);
            n.set("attributeTypes", types);
        }
        return n;
    }

    /** Reads the codec's shape (attributes as an array) or the command line's (an object plus attributeTypes). */
    static LogRecord fromJson(JsonNode n) {
        JsonNode attributes = n.path("attributes");
        if (attributes.isObject()) {
            ObjectNode copy = n.deepCopy();
            ArrayNode list = copy.putArray("attributes");
            JsonNode types = n.path("attributeTypes");
            for (Iterator<Map.Entry<String, JsonNode>> it = attributes.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                list.addObject().put("key", e.getKey()).put("type", types.path(e.getKey()).asText(guessType(e.getValue())))
                        .set("value", e.getValue().isIntegralNumber() ? MAPPER.getNodeFactory().textNode(e.getValue().asText())
                                : e.getValue());
            }
            copy.remove("attributeTypes");
            return JsonRecordCodec.decode(copy);
        }
        return JsonRecordCodec.decode(n);
    }

    private static String guessType(JsonNode v) {
        return v.isTextual() ? "str" : v.isIntegralNumber() ? "int" : v.isNumber() ? "float" : v.isBoolean() ? "bool" : "null";
    }
}
