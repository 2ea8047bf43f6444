package io.umonitor.core.sink;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.umonitor.api.Attribute;
import io.umonitor.api.AttributeValue;
import io.umonitor.api.GuestClock;
import io.umonitor.api.LogLevel;
import io.umonitor.api.LogOrigin;
import io.umonitor.api.LogRecord;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class JsonRecordCodecTest {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private static JsonNode encode(LogRecord r) throws Exception {
        JsonRecordCodec.Encoder e = new JsonRecordCodec.Encoder();
        e.encode(r);
        return MAPPER.readTree(e.bytes(), 0, e.length());
    }

    private static LogRecord record(long sequence, List<Attribute> attributes) {
        return new LogRecord("web-1", LogOrigin.UDP, true, sequence, GuestClock.WALL, Long.MIN_VALUE,
                Instant.parse("2026-12-03T10:00:00.123456Z"), LogLevel.INFO, "l", "m", attributes);
    }

    @Test
    void everySixtyFourBitIntegerIsADecimalStringWhateverItsSize() throws Exception {
        JsonNode j = encode(record(-1L, List.of(new Attribute("i", new AttributeValue.Int(5)),
                new Attribute("big", new AttributeValue.Int(Long.MIN_VALUE)),
                new Attribute("u", new AttributeValue.UInt(5)), new Attribute("ubig", new AttributeValue.UInt(-1L)))));
        assertEquals("18446744073709551615", j.get("sequence").textValue());
        assertEquals("-9223372036854775808", j.get("guestNanos").textValue());
        assertEquals("5", j.get("attributes").get(0).get("value").textValue());
        assertEquals("-9223372036854775808", j.get("attributes").get(1).get("value").textValue());
        assertEquals("5", j.get("attributes").get(2).get("value").textValue());
        assertEquals("18446744073709551615", j.get("attributes").get(3).get("value").textValue());
    }

    @Test
    void aRecordWithoutSequenceHasNoSequenceField() throws Exception {
        LogRecord text = LogRecord.simple("web-1", LogOrigin.CONSOLE, LogLevel.INFO, "stdout", "hello");
        assertFalse(encode(text).has("sequence"));
        assertFalse(JsonRecordCodec.decode(encode(text)).hasSequence());
    }

    @Test
    void floatsKeepTheirExactBitsNaNPayloadsIncluded() throws Exception {
        long[] bits = {0x7ff8000000000123L, 0xfff8000000000000L, 0x7ff0000000000001L, 0x7ff8000000000000L,
                0x8000000000000000L, 0x7ff0000000000000L, 0xfff0000000000000L, 0x3fb999999999999aL, 1L};
        List<Attribute> attributes = new java.util.ArrayList<>();
        for (long b : bits) {
            attributes.add(new Attribute("f", new AttributeValue.Float(Double.longBitsToDouble(b))));
        }
        JsonNode j = encode(record(1, attributes));
        assertEquals("NaN(0x7ff8000000000123)", j.get("attributes").get(0).get("value").textValue());
        assertEquals("NaN(0xfff8000000000000)", j.get("attributes").get(1).get("value").textValue());
        assertEquals("NaN(0x7ff0000000000001)", j.get("attributes").get(2).get("value").textValue());
        assertEquals("NaN", j.get("attributes").get(3).get("value").textValue());
        assertEquals("-Infinity", j.get("attributes").get(6).get("value").textValue());
        LogRecord back = JsonRecordCodec.decode(j);
        for (int i = 0; i < bits.length; i++) {
            double d = ((AttributeValue.Float) back.attributes().get(i).value()).value();
            assertEquals(Long.toHexString(bits[i]), Long.toHexString(Double.doubleToRawLongBits(d)), "attribute " + i);
        }
    }

    @Test
    void whatTheEncoderWritesReadsBackEqual() throws Exception {
        LogRecord r = record(Long.MIN_VALUE + 2, List.of(new Attribute("i", new AttributeValue.Int(Long.MAX_VALUE)),
                new Attribute("u", new AttributeValue.UInt(Long.MIN_VALUE)), new Attribute("n", new AttributeValue.Null()),
                new Attribute("b", new AttributeValue.Bytes(new byte[] {1, 2})), new Attribute("t", new AttributeValue.Bool(true))));
        assertEquals(r, JsonRecordCodec.decode(encode(r)));
    }

    @Test
    void filesWrittenWithPlainNumbersStillRead() throws Exception {
        JsonNode old = MAPPER.readTree("{\"time\":\"2026-12-03T10:00:00.000001Z\",\"unikernel\":\"a\",\"level\":\"INFO\","
                + "\"origin\":\"TCP\",\"sequence\":7,\"guestClock\":\"WALL\",\"guestNanos\":12,\"logger\":\"\","
                + "\"message\":\"m\",\"attributes\":[{\"key\":\"i\",\"value\":-3,\"type\":\"int\"}]}");
        LogRecord r = JsonRecordCodec.decode(old);
        assertEquals(7, r.sequence());
        assertEquals(12, r.guestNanos());
        assertEquals(new AttributeValue.Int(-3), r.attributes().get(0).value());
        assertEquals(io.umonitor.api.LaunchIdentity.NONE, r.launch(), "a line from before launch ids: no run");
    }

    @Test
    void aRecordOfARunCarriesLaunchAndRestartAndReadsThemBack() throws Exception {
        io.umonitor.api.LaunchIdentity run = new io.umonitor.api.LaunchIdentity(
                "0f8fad5b-d9cb-469f-a165-70867728950e", 3, "qemu", "sha256:ab");
        LogRecord r = record(9, List.of()).withLaunch(run);
        JsonNode j = encode(r);
        assertEquals("0f8fad5b-d9cb-469f-a165-70867728950e", j.get("launch").asText());
        assertEquals(3, j.get("restart").intValue(), "restart is a JSON number");
        // The line names the run; backend and image digest travel in OTLP's resource, not on every line.
        assertEquals(new io.umonitor.api.LaunchIdentity(run.launchId(), 3, "", ""), JsonRecordCodec.decode(j).launch());
        assertFalse(encode(record(9, List.of())).has("launch"), "a record of no run has no launch field");
    }
}
