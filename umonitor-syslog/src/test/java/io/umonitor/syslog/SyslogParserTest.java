package io.umonitor.syslog;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.umonitor.api.AttributeValue;
import io.umonitor.api.GuestClock;
import io.umonitor.api.LogLevel;
import io.umonitor.api.LogOrigin;
import io.umonitor.api.LogRecord;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.util.List;
import org.junit.jupiter.api.Test;

class SyslogParserTest {
    private final SyslogParser parser = new SyslogParser(Clock.fixed(Instant.parse("2026-12-03T10:00:00Z"),
            ZoneId.of("Europe/Berlin")));

    private SyslogMessage parse(String text) {
        return parser.parse(text.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void rfc5424ExampleWithStructuredDataAndBomIsParsedFieldByField() {
        SyslogMessage m = parse("<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog - ID47 "
                + "[exampleSDID@32473 iut=\"3\" eventSource=\"Application\" eventID=\"1011\"][examplePriority@32473 "
                + "class=\"high\"] \uFEFFAn application event log entry...");

        assertEquals(SyslogMessage.Format.RFC5424, m.format());
        assertEquals(20, m.facility());
        assertEquals("local4", m.facilityName());
        assertEquals(5, m.severity());
        assertEquals(OffsetDateTime.parse("2003-10-11T22:14:15.003Z"), m.timestamp());
        assertEquals("mymachine.example.com", m.hostname());
        assertEquals("evntslog", m.appName());
        assertNull(m.procId());
        assertEquals("ID47", m.msgId());
        assertEquals(2, m.structuredData().size());
        assertEquals(new SyslogMessage.SdParam("eventSource", "Application"), m.structuredData().get(0).params().get(1));
        assertEquals("An application event log entry...", m.message(), "the BOM is removed");
    }

    @Test
    void escapedQuoteBackslashAndBracketInParamValuesAreUnescapedAndOtherBackslashesKept() {
        SyslogMessage m = parse("<14>1 - - app - - [x@1 v=\"a\\\"b\\\\c\\]d\\ne\"] ok");

        assertEquals("a\"b\\c]d\\ne", m.structuredData().get(0).params().get(0).value());
        assertEquals("ok", m.message());
    }

    @Test
    void nonAsciiTextInMessageAndParamValueSurvives() {
        SyslogMessage m = parse("<14>1 2026-12-03T11:00:00.123456+01:00 h app 42 - [x@1 city=\"Zürich 東京\"] "
                + "température 25 °C — ✓");

        assertEquals("Zürich 東京", m.structuredData().get(0).params().get(0).value());
        assertEquals("température 25 °C — ✓", m.message());
        assertEquals("+01:00", m.timestamp().getOffset().getId());
    }

    @Test
    void nilvaluesAndNoMessageAreAccepted() {
        SyslogMessage m = parse("<0>1 - - - - - -");

        assertNull(m.timestamp());
        assertNull(m.hostname());
        assertEquals(List.of(), m.structuredData());
        assertEquals("", m.message());
    }

    @Test
    void rfc3339TimestampsReadByHandAgreeWithTheJdkParserAndImpossibleDatesAreMalformed() {
        for (String t : new String[] {"2026-12-03T10:15:30Z", "2026-12-03T10:15:30.5+01:00",
            "2026-12-03T10:15:30.123456-05:30", "2026-12-03T10:15:30.123456789Z", "1999-02-28T23:59:59.000001+14:00",
            "2026-12-03t10:15:30z", "2026-12-03T10:15:30+0100"}) {
            java.time.OffsetDateTime expected;
            try {
                expected = java.time.OffsetDateTime.parse(t);
            } catch (java.time.format.DateTimeParseException e) {
                expected = null;
            }
            java.time.OffsetDateTime actual;
            try {
                actual = SyslogParser.rfc3339(t);
            } catch (java.time.DateTimeException e) {
                actual = null;
            }
            assertEquals(expected, actual, t);
        }
        SyslogFormatException e = assertThrows(SyslogFormatException.class,
                () -> parse("<13>1 2026-02-30T10:15:30Z h a - - - impossible date"));
        assertTrue(e.getMessage().contains("TIMESTAMP"), e.getMessage());
        assertEquals("2026-12-03T10:15:30.5+01:00", parse("<13>1 2026-12-03T10:15:30.5+01:00 h a - - - m")
                .timestampText(), "the sender's own text is kept");
    }

    @Test
    void malformedRfc5424HeadersAreRejectedNamingTheField() {
        String[][] cases = {
            {"no pri", "hello"},
            {"bad PRI", "<192>1 - - - - - -"},
            {"bad PRI", "<13"},
            {"TIMESTAMP", "<13>1 yesterday h a - - - m"},
            {"APP-NAME is longer than 48", "<13>1 - h " + "a".repeat(49) + " - - - m"},
            {"MSGID", "<13>1 - h a p " + "m".repeat(33) + " - m"},
            {"STRUCTURED-DATA", "<13>1 - h a p m x"},
            {"not closed", "<13>1 - h a p m [x@1 a=\"b\""},
            {"SD-ID", "<13>1 - h a p m [] m"},
            {"header ends", "<13>1 - h a"},
        };
        for (String[] c : cases) {
            SyslogFormatException e = assertThrows(SyslogFormatException.class, () -> parse(c[1]), c[1]);
            assertTrue(e.getMessage().toLowerCase().contains(c[0].toLowerCase()), c[1] + " -> " + e.getMessage());
        }
    }

    @Test
    void rfc3164WithHostnameTagAndPidTakesTheCurrentYearInTheHostZone() {
        SyslogMessage m = parse("<34>Dec  3 11:15:30 mymachine su[230]: 'su root' failed for lonvick on /dev/pts/8");

        assertEquals(SyslogMessage.Format.RFC3164, m.format());
        assertEquals(4, m.facility());
        assertEquals(2, m.severity());
        assertEquals(OffsetDateTime.parse("2026-12-03T11:15:30+01:00"), m.timestamp());
        assertEquals("mymachine", m.hostname());
        assertEquals("su", m.appName());
        assertEquals("230", m.procId());
        assertEquals("'su root' failed for lonvick on /dev/pts/8", m.message());
    }

    @Test
    void rfc3164InDecemberReadInJanuaryIsLastYears() {
        SyslogParser january = new SyslogParser(Clock.fixed(Instant.parse("2027-01-01T00:00:10Z"), ZoneId.of("UTC")));

        SyslogMessage m = january.parse("<13>Dec 31 23:59:59 h t: m".getBytes(StandardCharsets.US_ASCII));

        assertEquals(2026, m.timestamp().getYear());
    }

    @Test
    void rfc3164WithoutHostnameOrTimestampKeepsTheRestAsMessage() {
        SyslogMessage local = parse("<13>Dec 13 11:15:30 tag: text");
        SyslogMessage bare = parse("<13>just text: with colon");

        assertNull(local.hostname());
        assertEquals("tag", local.appName());
        assertEquals("text", local.message());
        assertNull(bare.timestamp());
        assertEquals("just text: with colon", bare.message());
    }

    @Test
    void severityMapsToLevelsAndStructuredDataBecomesTypedAttributes() {
        SyslogMessage m = parse("<11>1 2026-12-03T10:00:00Z h web 7 REQ [req@1 ms=\"812\" ratio=\"0.25\" ok=\"true\" "
                + "code=\"007\" path=\"/a\"][flag@1] slow");

        LogRecord r = SyslogRecords.toRecord("web-1", m, Instant.EPOCH);

        assertEquals(LogOrigin.SYSLOG, r.origin());
        assertEquals(LogLevel.ERROR, r.level());
        assertEquals(GuestClock.WALL, r.guestClock());
        assertEquals(Instant.parse("2026-12-03T10:00:00Z"), r.guestWallTime().orElseThrow());
        assertEquals("web", r.logger());
        assertEquals(new AttributeValue.Int(812), r.attribute("req@1.ms").orElseThrow());
        assertEquals(new AttributeValue.Float(0.25), r.attribute("req@1.ratio").orElseThrow());
        assertEquals(new AttributeValue.Bool(true), r.attribute("req@1.ok").orElseThrow());
        assertEquals(new AttributeValue.Str("007"), r.attribute("req@1.code").orElseThrow(), "leading zero kept as text");
        assertEquals(new AttributeValue.Null(), r.attribute("flag@1").orElseThrow());
        assertEquals(new AttributeValue.Str("user"), r.attribute("syslog.facility").orElseThrow());
        assertEquals(new AttributeValue.Str("7"), r.attribute("syslog.procid").orElseThrow());
        assertEquals(new AttributeValue.Str("REQ"), r.attribute("syslog.msgid").orElseThrow());
        int[][] levels = {{0, 5}, {1, 5}, {2, 5}, {3, 4}, {4, 3}, {5, 2}, {6, 2}, {7, 1}};
        for (int[] l : levels) {
            assertEquals(LogLevel.values()[l[1]], SyslogRecords.level(l[0]), "severity " + l[0]);
        }
    }
}
