package io.umonitor.core.sink;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.umonitor.api.Attribute;
import io.umonitor.api.ConfigurationException;
import io.umonitor.api.GuestClock;
import io.umonitor.api.LogLevel;
import io.umonitor.api.LogOrigin;
import io.umonitor.api.LogRecord;
import io.umonitor.api.spi.ProviderContext;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileSinkTest {
    @TempDir
    Path dir;

    private static LogRecord record(String unikernel, String message, Attribute... attributes) {
        return new LogRecord(unikernel, LogOrigin.TCP, 7, GuestClock.WALL, 1_700_000_000_000_000_000L,
                Instant.parse("2026-11-25T07:44:34.123456789Z"), LogLevel.WARN, "app", message, List.of(attributes));
    }

    private static List<String> lines(Path file) throws IOException {
        return Files.readAllLines(file, StandardCharsets.UTF_8);
    }

    @Test
    void writesOneReadableLinePerRecordPerUnikernel() throws IOException {
        FileSink sink = new FileSink(dir).open();
        sink.accept(record("web-1", "hello world", Attribute.of("line", 42), Attribute.of("function", "main")));
        sink.accept(record("db", "other"));
        sink.close();
        assertEquals(List.of("2026-11-25T07:44:34.123456Z WARN  tcp #7 [app] hello world {line=42 function=\"main\"}"),
                lines(dir.resolve("web-1.log")));
        assertEquals(1, lines(dir.resolve("db.log")).size());
    }

    @Test
    void escapesControlCharactersAndTerminalEscapesSoNoLineCanBeForged() throws IOException {
        FileSink sink = new FileSink(dir).open();
        String evil = "ok\n2026-01-01T00:00:00.000000Z ERROR tcp #1 forged\r\u001b[31mred\u001b[0m\t\\ \u009b2J"
                + " \u2028 \u202e bidi \u0000 é 😀";
        sink.accept(record("evil", evil, Attribute.of("k\nx", "v\"\n")));
        sink.close();
        List<String> lines = lines(dir.resolve("evil.log"));
        assertEquals(1, lines.size(), "exactly one line: " + lines);
        String line = lines.get(0);
        assertTrue(line.contains("ok\\n2026-01-01T00:00:00.000000Z ERROR tcp #1 forged\\r\\x1b[31mred\\x1b[0m\\t\\\\ "
                + "\\x9b2J \\u2028 \\u202e bidi \\x00 é 😀"), line);
        assertTrue(line.endsWith("{k\\nx=\"v\\\"\\n\"}"), line);
        for (char c : line.toCharArray()) {
            assertFalse(c < 0x20 || (c >= 0x7f && c <= 0x9f), "raw control character " + (int) c + " in " + line);
        }
    }

    @Test
    void manyBusyFilesKeepTheirGrownBuffersWithinTheirBoundAndLoseNoLine() throws IOException {
        // Each file gets 25 KB between flushes, enough to grow its buffer to 64 KiB: without the bound 400 files
        // would hold 24 MiB of buffers, and a thousand 64 MiB.
        FileSink sink = new FileSink(dir).open();
        String message = "x".repeat(1000);
        int files = 400;
        int perFile = 25;
        for (int i = 0; i < perFile; i++) {
            for (int f = 0; f < files; f++) {
                sink.accept(record("busy-" + f, message));
            }
        }
        long grown = sink.grownBufferBytes();
        sink.close();
        assertTrue(grown <= FileSink.GROWN_BUFFERS_LIMIT, "grown buffers hold " + grown + " bytes");
        assertTrue(grown >= FileSink.GROWN_BUFFERS_LIMIT - 64 * 1024, "busy files still grow up to the bound: " + grown);
        for (int f = 0; f < files; f += 37) {
            assertEquals(perFile, lines(dir.resolve("busy-" + f + ".log")).size(), "busy-" + f);
        }
    }

    @Test
    void namesThatTryToEscapeTheDirectoryStayInside() throws IOException {
        Path logs = dir.resolve("a").resolve("logs");
        FileSink sink = new FileSink(logs).open();
        for (String name : List.of("../escape", "/etc/passwd", "a/../../b", "..", ".hidden", "x\u0000y", "")) {
            sink.accept(record(name, "m"));
            Path file = sink.fileOf(name);
            assertEquals(logs.toAbsolutePath().normalize(), file.getParent(), name);
        }
        sink.close();
        try (Stream<Path> all = Files.walk(dir)) {
            List<Path> outside = all.filter(Files::isRegularFile).filter(p -> !p.getParent().equals(logs)).toList();
            assertTrue(outside.isEmpty(), "files outside the log directory: " + outside);
        }
        try (Stream<Path> files = Files.list(logs)) {
            List<Path> list = files.toList();
            assertEquals(7, list.size(), list.toString());
            assertTrue(list.stream().allMatch(p -> p.getFileName().toString().startsWith("invalid-name-")),
                    list.toString());
        }
    }

    @Test
    void rotatesBySizeKeepingN() throws IOException {
        FileSink sink = new FileSink(dir, FileSink.Format.TEXT, 1000, 2).open();
        for (int i = 0; i < 100; i++) {
            sink.accept(record("rot", String.format("message %03d %s", i, "x".repeat(40))));
        }
        sink.close();
        assertTrue(Files.size(dir.resolve("rot.log")) <= 1000);
        assertTrue(Files.size(dir.resolve("rot.log.1")) <= 1000);
        assertTrue(Files.size(dir.resolve("rot.log.1")) > 800);
        assertTrue(Files.exists(dir.resolve("rot.log.2")));
        assertFalse(Files.exists(dir.resolve("rot.log.3")));
        List<String> current = lines(dir.resolve("rot.log"));
        assertTrue(current.get(current.size() - 1).contains("message 099"));
        List<String> older = lines(dir.resolve("rot.log.1"));
        int lastOlder = Integer.parseInt(older.get(older.size() - 1).replaceAll(".*message (\\d+).*", "$1"));
        int firstCurrent = Integer.parseInt(current.get(0).replaceAll(".*message (\\d+).*", "$1"));
        assertEquals(lastOlder + 1, firstCurrent, "rotation loses and duplicates nothing");
    }

    @Test
    void appendsToAnExistingFileAndCountsItsSizeForRotation() throws IOException {
        Files.writeString(dir.resolve("old.log"), "x".repeat(900) + "\n");
        FileSink sink = new FileSink(dir, FileSink.Format.TEXT, 1000, 1).open();
        sink.accept(record("old", "y".repeat(200)));
        sink.close();
        assertTrue(Files.exists(dir.resolve("old.log.1")));
        assertEquals(1, lines(dir.resolve("old.log")).size());
    }

    @Test
    void writesJsonLines() throws IOException {
        FileSink sink = new FileSink(dir, FileSink.Format.JSON, 0, 0).open();
        sink.accept(record("js", "line\none \u001b[2J \u0085", Attribute.of("n", 5), Attribute.of("s", "v")));
        sink.accept(record("js", "second"));
        sink.close();
        List<String> lines = lines(dir.resolve("js.jsonl"));
        assertEquals(2, lines.size());
        assertFalse(lines.get(0).contains("\u001b") || lines.get(0).contains("\u0085"), lines.get(0));
        JsonNode first = new ObjectMapper().readTree(lines.get(0));
        assertEquals("line\none \u001b[2J \u0085", first.get("message").asText());
        assertEquals("js", first.get("unikernel").asText());
        assertEquals("7", first.get("sequence").textValue(), "64-bit integers are decimal strings");
        assertEquals("WARN", first.get("level").asText());
        assertEquals("5", first.get("attributes").get(0).get("value").textValue());
        assertEquals("second", new ObjectMapper().readTree(lines.get(1)).get("message").asText());
    }

    @Test
    void isFoundByServiceLoaderAndConfiguredFromProperties() throws IOException {
        FileSink found = ServiceLoader.load(io.umonitor.api.spi.LogSink.class).stream()
                .map(ServiceLoader.Provider::get).filter(s -> s.id().equals("file"))
                .map(FileSink.class::cast).findFirst().orElseThrow();
        found.open(new ProviderContext(Map.of("directory", dir.resolve("d").toString(), "format", "json",
                "maxBytes", "5000", "keep", "3"), dir, dir));
        assertEquals(FileSink.Format.JSON, found.format());
        found.accept(record("p", "m"));
        found.close();
        assertTrue(Files.exists(dir.resolve("d").resolve("p.jsonl")));
        ConfigurationException e = assertThrows(ConfigurationException.class, () -> new FileSink().open(
                new ProviderContext(Map.of("format", "xml", "keep", "-1"), dir, dir)));
        assertTrue(e.getMessage().contains("xml") && e.getMessage().contains("keep"), e.getMessage());
        assertThrows(ConfigurationException.class, () -> new FileSink().open(
                new ProviderContext(Map.of("colour", "red"), dir, dir)));
    }

    @Test
    void aFailedWriteIsThrownAndWritingResumesAfterwards() throws IOException {
        Path sub = dir.resolve("gone");
        FileSink sink = new FileSink(sub).open();
        Files.delete(sub);
        Files.writeString(sub, "a file where the directory was");
        assertThrows(RuntimeException.class, () -> {
            sink.accept(record("r", "lost"));
            sink.flush();
        });
        Files.delete(sub);
        Files.createDirectory(sub);
        sink.accept(record("r", "kept"));
        sink.flush();
        sink.close();
        List<String> lines = lines(sub.resolve("r.log"));
        assertEquals(1, lines.size());
        assertTrue(lines.get(0).contains("kept"));
    }

    @Test
    void moreUnikernelsThanOpenFilesStillGetEveryRecord() throws IOException {
        FileSink sink = new FileSink(dir).open();
        int names = FileSink.MAX_OPEN_FILES + 100;
        for (int round = 0; round < 2; round++) {
            for (int i = 0; i < names; i++) {
                sink.accept(record("u" + i, "round " + round));
            }
        }
        sink.close();
        for (int i = 0; i < names; i += 97) {
            List<String> lines = lines(dir.resolve("u" + i + ".log"));
            assertEquals(2, lines.size(), "u" + i);
            assertTrue(lines.get(1).contains("round 1"));
        }
    }
}
