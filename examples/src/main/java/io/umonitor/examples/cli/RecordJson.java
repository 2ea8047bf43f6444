package io.umonitor.examples.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.umonitor.api.LogRecord;
import io.umonitor.core.sink.JsonRecordCodec;
import java.io.IOException;
import java.io.UncheckedIOException;

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

    static LogRecord fromJson(JsonNode n) {
        return JsonRecordCodec.decode(n);
    }
}
