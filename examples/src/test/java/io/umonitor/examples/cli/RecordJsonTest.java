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
}
