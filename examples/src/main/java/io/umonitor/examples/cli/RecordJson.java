package io.umonitor.examples.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
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

    static LogRecord fromJson(JsonNode n) {
        List<Attribute> attrs = new ArrayList<>();
        for (JsonNode an : n.path("attributes")) {
            JsonNode v = an.path("value");
            AttributeValue value = switch (an.path("type").asText()) {
                case "str" -> new AttributeValue.Str(v.asText());
                case "int" -> new AttributeValue.Int(v.asLong());
                case "uint" -> new AttributeValue.UInt(Long.parseUnsignedLong(v.asText()));
                case "float" -> new AttributeValue.Float(v.asDouble());
                case "bool" -> new AttributeValue.Bool(v.asBoolean());
                case "bytes" -> new AttributeValue.Bytes(HexFormat.of().parseHex(v.asText().replaceFirst("^0x", "")));
                default -> new AttributeValue.Null();
            };
            attrs.add(new Attribute(an.path("key").asText(), value));
        }
        GuestClock clock = n.has("guestClock") ? GuestClock.valueOf(n.get("guestClock").asText()) : GuestClock.NONE;
        return new LogRecord(n.path("unikernel").asText(), LogOrigin.valueOf(n.path("origin").asText("MONITOR")),
                n.path("sequence").asLong(-1), clock, n.path("guestNanos").asLong(0),
                Instant.parse(n.path("time").asText()), LogLevel.valueOf(n.path("level").asText("INFO")),
                n.path("logger").asText(""), n.path("message").asText(""), attrs);
    }
}
