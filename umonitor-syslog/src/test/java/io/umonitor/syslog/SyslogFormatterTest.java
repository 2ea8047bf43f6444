package io.umonitor.syslog;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.umonitor.api.Attribute;
import io.umonitor.api.AttributeValue;
import io.umonitor.api.GuestClock;
import io.umonitor.api.LogLevel;
import io.umonitor.api.LogOrigin;
import io.umonitor.api.LogRecord;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class SyslogFormatterTest {

    @Test
    void aRecordWithHostileAttributesFormatsToAnRfc5424FrameThatParsesBackToTheSameValues() throws IOException {
        Instant guest = Instant.parse("2026-12-03T10:15:30.123456Z");
        LogRecord record = new LogRecord("web 1\u00e9", LogOrigin.TCP, 42, GuestClock.WALL,
                guest.getEpochSecond() * 1_000_000_000L + guest.getNano(), Instant.parse("2026-12-03T10:15:31Z"),
                LogLevel.WARN, "http", "slow request ü\nsecond line", List.of(
                        Attribute.of("path", "/a\"]\\b"), Attribute.of("ms", 812),
                        new Attribute("key with space=and]quote\"", new AttributeValue.Str("v")),
                        new Attribute("a".repeat(40), new AttributeValue.Bool(true))));
        SyslogFormatter formatter = new SyslogFormatter("host.example", 16, "umonitor@32473");

        byte[] frame = formatter.frame(record);
        byte[] message = new SyslogFrameReader(new ByteArrayInputStream(frame), 8192).next();
        SyslogMessage m = new SyslogParser().parse(message);

        assertEquals(16, m.facility());
        assertEquals(4, m.severity());
        assertEquals(guest, m.timestamp().toInstant());
        assertEquals("host.example", m.hostname());
        assertEquals("web_1_", m.appName());
        assertEquals("TCP", m.msgId());
        assertEquals("slow request ü\nsecond line", m.message());
        SyslogMessage.SdElement sd = m.structuredData().get(0);
        assertEquals("umonitor@32473", sd.id());
        assertEquals(List.of(new SyslogMessage.SdParam("logger", "http"), new SyslogMessage.SdParam("seq", "42"),
                new SyslogMessage.SdParam("receivedAt", "2026-12-03T10:15:31Z"),
                new SyslogMessage.SdParam("path", "/a\"]\\b"), new SyslogMessage.SdParam("ms", "812"),
                new SyslogMessage.SdParam("key_with_space_and_quote_", "v"),
                new SyslogMessage.SdParam("a".repeat(32), "true")), sd.params());
        assertEquals(message.length + 1 + Integer.toString(message.length).length(), frame.length);
        assertEquals(new String(frame, StandardCharsets.UTF_8).substring(0, 4), message.length + " ");
    }

    @Test
    void aRecordOfARunCarriesItsLaunchIdAndRestartAndAnUnsignedSequenceAbove2To63() throws IOException {
        io.umonitor.api.LaunchIdentity run = new io.umonitor.api.LaunchIdentity(
                "0f8fad5b-d9cb-469f-a165-70867728950e", 2, "solo5-spt", "sha256:00");
        LogRecord record = new LogRecord("web", LogOrigin.TCP, true, -2, GuestClock.NONE, 0,
                Instant.parse("2026-12-03T10:15:31Z"), LogLevel.INFO, "", "hello", List.of(), run);
        byte[] frame = new SyslogFormatter("h", 1, "umonitor@32473").frame(record);
        SyslogMessage m = new SyslogParser().parse(new SyslogFrameReader(new ByteArrayInputStream(frame), 8192).next());
        assertEquals(List.of(new SyslogMessage.SdParam("seq", "18446744073709551614"),
                new SyslogMessage.SdParam("receivedAt", "2026-12-03T10:15:31Z"),
                new SyslogMessage.SdParam("launch", "0f8fad5b-d9cb-469f-a165-70867728950e"),
                new SyslogMessage.SdParam("restart", "2")), m.structuredData().get(0).params());
    }

    @Test
    void anInvalidSdIdIsRefusedNamingAWorkingOne() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new SyslogFormatter("h", 1, "bad id"));
        assertEquals(true, e.getMessage().contains("umonitor@32473"));
    }
}
