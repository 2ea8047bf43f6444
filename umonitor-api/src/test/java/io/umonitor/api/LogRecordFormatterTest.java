package io.umonitor.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.Test;

class LogRecordFormatterTest {
    private static final Instant AT = Instant.parse("2026-12-03T11:00:11.003456Z");

    private static LogRecord record(String message, List<Attribute> attributes) {
        return new LogRecord("web", LogOrigin.TCP, true, 42, GuestClock.WALL, 1_764_056_674_123_456_789L, AT,
                LogLevel.WARN, "http", message, attributes);
    }

    @Test
    void aRecordIsTheCommandLinesOneLineWithNameLevelOriginLoggerMessageAndAttributes() {
        LogRecord r = record("slow request", List.of(Attribute.of("path", "/api/items"), Attribute.of("ms", 812)));
        assertEquals("11:00:11.003 web          WARN  tcp     [http] slow request path=/api/items ms=812",
                LogRecordFormatter.standard().withZone(ZoneOffset.UTC).format(r));
        assertEquals("2026-12-03T11:00:11.003456Z WARN  tcp     [http] slow request path=/api/items ms=812",
                LogRecordFormatter.standard().withUnikernel(false).withFullTimestamps(true).format(r));
    }

    @Test
    void toStringIsTheStandardLineNotTheRecordComponents() {
        LogRecord r = record("GET /", List.of(Attribute.of("path", "/api/items")));
        assertEquals(LogRecordFormatter.standard().format(r), r.toString());
        assertFalse(r.toString().contains("guestNanos") || r.toString().contains("Attribute["), r.toString());
        assertTrue(r.toString().endsWith(" web          WARN  tcp     [http] GET / path=/api/items"), r.toString());
    }

    @Test
    void guestTextCannotForgeALineOrDriveTheTerminalButKeepsTabsAndBackslashes() {
        LogRecord r = record("a\tb \\ c\nFAKE 00:00:00 ERROR\u001b[2J\u202eevil", List.of(Attribute.of("k\r", "v\u0007")));
        String line = LogRecordFormatter.standard().format(r);
        assertEquals(1, line.lines().count(), line);
        assertTrue(line.contains("a\tb \\ c\\nFAKE 00:00:00 ERROR\\x1b[2J\\u202eevil k\\r=v\\x07"), line);
        assertEquals("\\u2028\\ufeff\\x9b", LogRecordFormatter.terminalSafe("\u2028\ufeff\u009b"));
    }

    @Test
    void colourPaintsLevelAndNameOnlyWhenAsked() {
        LogRecord r = record("m", List.of());
        assertFalse(LogRecordFormatter.standard().format(r).contains("\u001b"));
        String coloured = LogRecordFormatter.standard().withColour(true).format(r);
        assertTrue(coloured.contains("\u001b[33mWARN \u001b[0m"), coloured);
    }
}
