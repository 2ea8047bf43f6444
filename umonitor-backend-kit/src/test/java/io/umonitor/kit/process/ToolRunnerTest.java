package io.umonitor.kit.process;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.umonitor.api.spi.GuestOutput;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(60)
class ToolRunnerTest {

    @Test
    void collectsBothStreamsAndTheExitCode() throws IOException {
        ToolRunner.Result r = ToolRunner.run(List.of("/bin/sh", "-c", "echo out; echo err >&2; exit 3"),
                Duration.ofSeconds(20));
        assertEquals(3, r.exitCode());
        assertEquals("out\n", r.stdout());
        assertEquals("err\n", r.stderr());
        assertEquals("/bin/sh -c echo out; echo err >&2; exit 3", r.commandLine());
    }

    @Test
    void aToolThatHangsWithItsOutputOpenIsKilledAtTheTimeout() {
        // Reading stdout to its end before waiting (IpCommand did) would block here for 30 s, not 300 ms.
        ToolRunner.TimedOut e = assertThrows(ToolRunner.TimedOut.class, () -> ToolRunner.run(
                List.of("/bin/sh", "-c", "echo started; exec sleep 30"), Duration.ofMillis(300)));
        assertTrue(e.getMessage().contains("did not finish within PT0.3S"), e.getMessage());
    }

    @Test
    void aToolFillingBothPipesNeverBlocks() throws IOException {
        // 2 MiB on each stream: far beyond a pipe's 64 KiB, so a reader must drain both while it runs.
        ToolRunner.Result r = ToolRunner.run(List.of("/bin/sh", "-c",
                "head -c 2097152 /dev/zero | tr '\\0' a; head -c 2097152 /dev/zero | tr '\\0' b >&2"),
                Duration.ofSeconds(30));
        assertEquals(0, r.exitCode());
        assertEquals(2 * 1024 * 1024, r.stdout().length() - 1);
        assertEquals(2 * 1024 * 1024, r.stderr().length() - 1);
    }

    @Test
    void aChildLeftHoldingTheOutputDelaysTheResultOnlyUntilTheTimeout() throws IOException {
        List<String> lines = new CopyOnWriteArrayList<>();
        try {
            ToolRunner.Result r = ToolRunner.run(List.of("/bin/sh", "-c", "sleep 30 & echo child $!"),
                    null, Map.of(), Duration.ofSeconds(1), (stream, line) -> lines.add(line));
            assertEquals(0, r.exitCode());
            assertTrue(r.stdout().startsWith("child "), r.stdout());
        } finally {
            lines.stream().filter(l -> l.startsWith("child ")).map(l -> Long.parseLong(l.substring(6)))
                    .forEach(pid -> ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly));
        }
    }

    @Test
    void environmentAndLinesReachTheCaller() throws IOException {
        List<String> lines = new CopyOnWriteArrayList<>();
        ToolRunner.Result r = ToolRunner.run(List.of("/bin/sh", "-c", "echo \"$UMT_TOOL_VAR\"; echo x >&2"), null,
                Map.of("UMT_TOOL_VAR", "from-caller"), Duration.ofSeconds(20),
                (stream, line) -> lines.add(stream + ":" + line));
        assertEquals("from-caller\n", r.stdout());
        assertTrue(lines.contains(GuestOutput.Stream.STDOUT + ":from-caller"), lines.toString());
        assertTrue(lines.contains(GuestOutput.Stream.STDERR + ":x"), lines.toString());
    }

    @Test
    void aMissingToolIsAnIOExceptionNamingIt() {
        IOException e = assertThrows(IOException.class,
                () -> ToolRunner.run(List.of("/nonexistent/umt-tool"), Duration.ofSeconds(5)));
        assertTrue(e.getMessage().contains("/nonexistent/umt-tool"), e.getMessage());
    }
}
