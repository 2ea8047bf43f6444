package io.umonitor.examples.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.umonitor.api.Attribute;
import io.umonitor.api.AttributeValue;
import io.umonitor.api.GuestClock;
import io.umonitor.api.LogLevel;
import io.umonitor.api.LogOrigin;
import io.umonitor.api.LogRecord;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class RecordJsonTest {

    @Test
    void aRecordWithEveryAttributeTypeSurvivesTheFileSinksJsonShape() {
        LogRecord record = new LogRecord("web-1", LogOrigin.TCP, 42, GuestClock.WALL, 1_795_595_594_558_067_968L,
                Instant.parse("2026-11-25T08:33:14.558067Z"), LogLevel.WARN, "http", "tëst \u001b[2J\nline",
                List.of(new Attribute("s", new AttributeValue.Str("ü")), new Attribute("i", new AttributeValue.Int(-7)),
                        new Attribute("u", new AttributeValue.UInt(-1L)), new Attribute("f", new AttributeValue.Float(1.5)),
                        new Attribute("b", new AttributeValue.Bool(true)), new Attribute("n", new AttributeValue.Null()),
                        new Attribute("x", new AttributeValue.Bytes(new byte[] {0, (byte) 0xff}))));
        assertEquals(record, RecordJson.fromJson(RecordJson.toJson(record)));
    }

    @Test
    void monitorRecordsWithoutSequenceOrGuestTimeRoundTrip() {
        LogRecord record = new LogRecord("crashy", LogOrigin.MONITOR, -1, GuestClock.NONE, 0,
                Instant.parse("2026-11-25T08:33:14.000001Z"), LogLevel.ERROR, "umonitor", "exited", List.of());
        assertEquals(record, RecordJson.fromJson(RecordJson.toJson(record)));
    }

    private static LogRecord everyType() {
        return new LogRecord("web-1", LogOrigin.TCP, 42, GuestClock.WALL, 1_795_595_594_558_067_968L,
                Instant.parse("2026-11-25T08:33:14.558067Z"), LogLevel.WARN, "http", "tëst \u001b[2J\nline {a=1}\t\\",
                List.of(new Attribute("s", new AttributeValue.Str("ü \"q\" x=1")), new Attribute("i", new AttributeValue.Int(-7)),
                        new Attribute("u", new AttributeValue.UInt(-1L)), new Attribute("f", new AttributeValue.Float(1.5)),
                        new Attribute("b", new AttributeValue.Bool(true)), new Attribute("n", new AttributeValue.Null()),
                        new Attribute("x", new AttributeValue.Bytes(new byte[] {0, (byte) 0xff}))));
    }

    @Test
    void theCommandLinesJsonKeysAttributesByNameWithExactValuesAndTypes() throws Exception {
        LogRecord record = everyType();
        com.fasterxml.jackson.databind.JsonNode json = RecordJson.MAPPER.readTree(RecordJson.toCliJson(record).toString());
        assertEquals("-7", json.path("attributes").path("i").asText());
        assertEquals("18446744073709551615", json.path("attributes").path("u").asText(), "2^64-1 stays exact");
        assertEquals("uint", json.path("attributeTypes").path("u").asText());
        assertEquals("0x00ff", json.path("attributes").path("x").asText());
        assertEquals(true, json.path("attributes").path("b").asBoolean());
        assertEquals(record, RecordJson.fromJson(json), "the types make it exact again");
    }

    @Test
    void theTextFormatReadsBackToTheSameRecordWhereItCanSayTheType(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
            throws Exception {
        io.umonitor.core.sink.FileSink text = new io.umonitor.core.sink.FileSink(dir).open();
        LogRecord record = everyType();
        text.accept(record);
        text.close();
        List<LogRecord> back = new LogFiles(dir).read("web-1");
        assertEquals(1, back.size());
        LogRecord r = back.get(0);
        assertEquals(record.message(), r.message());
        assertEquals(record.logger(), r.logger());
        assertEquals(record.receivedAt(), r.receivedAt());
        assertEquals(record.sequence(), r.sequence());
        assertEquals(new AttributeValue.Str("ü \"q\" x=1"), r.attributes().get(0).value());
        assertEquals(new AttributeValue.Int(-7), r.attributes().get(1).value());
        // The text cannot tell an unsigned from a signed integer: 2^64-1 is read back as unsigned by its size.
        assertEquals(new AttributeValue.UInt(-1L), r.attributes().get(2).value());
        assertEquals(7, r.attributes().size());
    }
}
