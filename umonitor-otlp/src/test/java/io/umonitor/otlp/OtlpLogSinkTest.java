package io.umonitor.otlp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.umonitor.api.Attribute;
import io.umonitor.api.AttributeValue;
import io.umonitor.api.ConfigurationException;
import io.umonitor.api.GuestClock;
import io.umonitor.api.LogLevel;
import io.umonitor.api.LogOrigin;
import io.umonitor.api.LogRecord;
import io.umonitor.api.spi.LogSink;
import io.umonitor.api.spi.ProviderContext;
import io.umonitor.otlp.internal.OtlpSettings;
import io.umonitor.otlp.internal.RecordMapping;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.sdk.logs.data.LogRecordData;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OtlpLogSinkTest {

    @Test
    void isDiscoveredButExportsNothingUntilAnEndpointIsSet(@TempDir Path dir) {
        OtlpLogSink sink = ServiceLoader.load(LogSink.class).stream().map(ServiceLoader.Provider::get)
                .filter(s -> s instanceof OtlpLogSink).map(OtlpLogSink.class::cast).findFirst().orElseThrow();
        sink.open(new ProviderContext(Map.of(), dir, dir));
        assertFalse(sink.exporting());
        sink.accept(LogRecord.simple("g", LogOrigin.MONITOR, LogLevel.INFO, "", "nothing leaves the host"));
        sink.flush();
        assertEquals(0, sink.exportedRecords());
        sink.close();
    }

    @Test
    void everyBadSettingIsNamedInOneMessageWithItsFix(@TempDir Path dir) {
        ConfigurationException e = assertThrows(ConfigurationException.class,
                () -> OtlpSettings.from(new ProviderContext(Map.of("endpoint", "ftp://x", "protocol", "udp",
                        "batchSize", "0", "headers", "novalue"), dir, dir), "otlp", "h"));
        for (String part : List.of("otlp.endpoint 'ftp://x'", "http://127.0.0.1:4318", "otlp.protocol 'udp'",
                "http/protobuf or grpc", "otlp.batchSize '0'", "otlp.headers entry 'novalue'")) {
            assertTrue(e.getMessage().contains(part), "message names " + part + ": " + e.getMessage());
        }
        assertThrows(ConfigurationException.class,
                () -> OtlpSettings.from(new ProviderContext(Map.of("endpont", "http://x"), dir, dir), "otlp", "h"),
                "a misspelt key is refused, not ignored");
    }

    @Test
    void aBareCollectorAddressGetsTheOtlpHttpLogsPath(@TempDir Path dir) {
        assertEquals("http://c:4318/v1/logs", settings(dir, "http://c:4318", "http/protobuf").exporterEndpoint());
        assertEquals("http://c:4318/v1/logs", settings(dir, "http://c:4318/", "http/protobuf").exporterEndpoint());
        assertEquals("http://c:9/custom", settings(dir, "http://c:9/custom", "http/protobuf").exporterEndpoint());
        assertEquals("http://c:4317", settings(dir, "http://c:4317", "grpc").exporterEndpoint());
    }

    @Test
    void valuesOtlpCannotHoldAsTheirOwnTypeBecomeExactText() {
        LogRecord record = new LogRecord("g", LogOrigin.UDP, -2, GuestClock.NONE, 0, Instant.EPOCH, LogLevel.WARN,
                "", "m", List.of(new Attribute("u", new AttributeValue.UInt(-1)),
                        new Attribute("small", new AttributeValue.UInt(5)),
                        new Attribute("b", new AttributeValue.Bytes(new byte[] {0, (byte) 0xff})),
                        new Attribute("n", new AttributeValue.Null())));
        LogRecordData data = new RecordMapping("h").map(record);
        assertEquals("18446744073709551615", data.getAttributes().get(AttributeKey.stringKey("u")));
        assertEquals(5L, data.getAttributes().get(AttributeKey.longKey("small")));
        assertEquals("AP8=", data.getAttributes().get(AttributeKey.stringKey("b")));
        assertEquals("", data.getAttributes().get(AttributeKey.stringKey("n")));
        assertEquals("18446744073709551614", data.getAttributes().get(AttributeKey.stringKey("umonitor.sequence")));
        assertEquals(0, data.getTimestampEpochNanos(), "no guest time: the record's time stays unset");
        assertEquals("umonitor.guest", data.getInstrumentationScopeInfo().getName());
    }

    private static OtlpSettings settings(Path dir, String endpoint, String protocol) {
        return OtlpSettings.from(new ProviderContext(Map.of("endpoint", endpoint, "protocol", protocol), dir, dir),
                "otlp", "h");
    }
}
