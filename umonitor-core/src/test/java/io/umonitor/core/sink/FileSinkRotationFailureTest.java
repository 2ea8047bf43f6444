package io.umonitor.core.sink;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.umonitor.api.GuestClock;
import io.umonitor.api.LogLevel;
import io.umonitor.api.LogOrigin;
import io.umonitor.api.LogRecord;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A rotation that fails is reported as the class documents every write error: a
 * {@link RecordsLostException} counting the lost record, and writing resumes once the cause is gone.
 */
class FileSinkRotationFailureTest {
    @TempDir
    Path dir;

    private static LogRecord record(int i) {
        return new LogRecord("rot", LogOrigin.TCP, i, GuestClock.WALL, 0, Instant.now(), LogLevel.INFO, "app",
                String.format("message %03d %s", i, "x".repeat(40)), List.of());
    }

    @Test
    void aRotationBlockedByADirectoryLosesOneCountedRecordAndWritingResumes() throws Exception {
        // The place of the rotated file is taken by a non-empty directory: the rotation cannot delete it.
        Path blocker = Files.createDirectories(dir.resolve("rot.log.1"));
        Files.writeString(blocker.resolve("keep"), "not a log");
        FileSink sink = new FileSink(dir, FileSink.Format.TEXT, 1000, 1).open();
        int i = 0;
        RecordsLostException lost = null;
        for (; i < 100 && lost == null; i++) {
            try {
                sink.accept(record(i));
            } catch (RecordsLostException e) {
                lost = e;
            }
        }
        assertTrue(lost != null, "some record must need a rotation within 100 records of 60 bytes");
        assertEquals("rot", lost.unikernel());
        assertEquals(1, lost.records(), "the record in hand is lost and counted; the buffer was written out");
        assertTrue(lost.getMessage().contains("cannot rotate log file"), lost.getMessage());

        Files.delete(blocker.resolve("keep"));
        Files.delete(blocker);
        int last = i + 30;
        for (; i <= last; i++) {
            sink.accept(record(i));
        }
        sink.close();
        List<String> current = Files.readAllLines(dir.resolve("rot.log"));
        assertTrue(current.get(current.size() - 1).contains(String.format("message %03d", last)), current.toString());
        assertTrue(Files.isRegularFile(dir.resolve("rot.log.1")), "the next rotation went through");
    }
}
