package io.umonitor.examples.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A platform's {@code Monitor.builder().build()} and the {@code umonitor} command line meet in the same
 * directory ($UMONITOR_HOME), and a record printed with {@code System.out::println} is the line the command
 * line prints for it.
 */
class EmbeddingDefaultsIT {

    @Test
    void aDefaultMonitorLogsWhereTheCommandLineReadsAndPrintsRecordsAsItDoes(@TempDir Path dir) throws Exception {
        Path home = dir.resolve("home");
        Path out = dir.resolve("platform.out");
        ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), EmbeddedPlatformMain.class.getName(), "embedded")
                .redirectErrorStream(true).redirectOutput(out.toFile());
        pb.environment().put("UMONITOR_HOME", home.toString());
        Process platform = pb.start();
        assertTrue(platform.waitFor(120, TimeUnit.SECONDS), "the platform finished");
        String printed = Files.readString(out, StandardCharsets.UTF_8);
        assertEquals(0, platform.exitValue(), printed);

        Path file = home.resolve("logs").resolve("embedded.log");
        assertTrue(Files.exists(file), "the default log file is in $UMONITOR_HOME/logs:\n" + printed);
        assertTrue(Files.isDirectory(home.resolve("state")), "provider state is in $UMONITOR_HOME/state");

        List<String> lines = printed.lines().filter(l -> l.contains(" embedded ")).toList();
        assertEquals(2, lines.size(), "two console records, one line each:\n" + printed);
        assertTrue(lines.get(0).matches("\\d\\d:\\d\\d:\\d\\d\\.\\d{3} embedded +INFO +console +\\[stdout] hello from the platform"),
                lines.get(0));
        assertTrue(lines.get(1).endsWith("[stdout] tab\there"), "a tab stays a tab: " + lines.get(1));

        CliProcess.Result cli = CliProcess.run(home, 60, "logs", "--all");
        assertEquals(0, cli.exitCode(), cli.output());
        for (String line : lines) {
            assertTrue(cli.output().contains(line), "`umonitor logs --all` prints the same line:\n" + line + "\n" + cli.output());
        }
    }
}
