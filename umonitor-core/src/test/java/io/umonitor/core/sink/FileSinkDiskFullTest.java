package io.umonitor.core.sink;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.umonitor.api.LogLevel;
import io.umonitor.api.LogOrigin;
import io.umonitor.api.LogRecord;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A real full file system (a 256 KiB tmpfs): the sink throws, leaves no partial line, and resumes. */
class FileSinkDiskFullTest {
    @TempDir
    Path dir;

    private static int run(String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        p.getInputStream().readAllBytes();
        return p.waitFor(30, TimeUnit.SECONDS) ? p.exitValue() : -1;
    }

    @Test
    void writingResumesWithoutAPartialLineWhenSpaceReturns() throws Exception {
        Path mount = Files.createDirectory(dir.resolve("small"));
        Assumptions.assumeTrue(run("mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", mount.toString()) == 0,
                "needs root to mount a small tmpfs (run the tests as root, or in CI)");
        try {
            FileSink sink = new FileSink(mount.resolve("logs")).open();
            String message = "m".repeat(200);
            RuntimeException failure = null;
            int written = 0;
            for (int i = 0; i < 10_000 && failure == null; i++) {
                try {
                    sink.accept(LogRecord.simple("full", LogOrigin.TCP, LogLevel.INFO, "", i + " " + message));
                    written++;
                } catch (RuntimeException e) {
                    failure = e;
                }
            }
            assertNotNull(failure, "a 256 KiB file system fills up");
            assertTrue(failure.getMessage().contains("full.log"), failure.getMessage());
            RecordsLostException lost = (RecordsLostException) failure;
            assertEquals("full", lost.unikernel());
            assertTrue(lost.records() > 1, "the whole discarded buffer is counted: " + lost.records());
            // Space returns (the file is emptied): the sink writes again by itself, on a fresh line.
            Path log = mount.resolve("logs").resolve("full.log");
            long before = Files.size(log);
            Files.write(log, new byte[0]);
            assertEquals(0, Files.size(log));
            sink.accept(LogRecord.simple("full", LogOrigin.TCP, LogLevel.INFO, "", "after the disk was full"));
            sink.flush();
            sink.close();
            List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
            assertEquals(1, lines.size(), "before: " + before + " bytes");
            assertTrue(lines.get(0).endsWith("after the disk was full"), lines.get(0));
            assertTrue(written > 100);
        } finally {
            run("umount", "-l", mount.toString());
        }
    }

    @Test
    void aFullDiskNeverLeavesAPartialLine() throws Exception {
        Path mount = Files.createDirectory(dir.resolve("tiny"));
        Assumptions.assumeTrue(run("mount", "-t", "tmpfs", "-o", "size=128k", "tmpfs", mount.toString()) == 0,
                "needs root to mount a small tmpfs (run the tests as root, or in CI)");
        try {
            FileSink sink = new FileSink(mount).open();
            for (int i = 0; i < 5000; i++) {
                try {
                    sink.accept(LogRecord.simple("p", LogOrigin.TCP, LogLevel.INFO, "", i + " " + "z".repeat(97)));
                } catch (RuntimeException expected) {
                    // the disk is full; keep going like the monitor does
                }
            }
            try {
                sink.close();
            } catch (RuntimeException expected) {
                // still full
            }
            byte[] content = Files.readAllBytes(mount.resolve("p.log"));
            assertTrue(content.length > 0);
            assertEquals('\n', content[content.length - 1], "the file ends with a whole line");
        } finally {
            run("umount", "-l", mount.toString());
        }
    }
}
