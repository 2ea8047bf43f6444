package io.umonitor.examples.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** {@code umonitor stats} against a real `run` whose guest keeps one core busy. */
@Timeout(90)
class StatsCommandIT {

    @Test
    void aBusyGuestShowsItsCpuMemoryAndUptimeAndAnUnknownNameIsRefused(@TempDir Path home) throws Exception {
        Path guest = home.resolve("spin.sh");
        Files.writeString(guest, "#!/bin/sh\necho spinning\nwhile :; do :; done\n");
        guest.toFile().setExecutable(true);
        Path output = home.resolve("run.out");
        Process run = CliProcess.start(home, output, "run", "--backend", "process", "--name", "spinner",
                guest.toString());
        try {
            long deadline = System.nanoTime() + 30_000_000_000L;
            while (!Files.readString(output, StandardCharsets.UTF_8).contains("spinning")) {
                assertTrue(System.nanoTime() < deadline, Files.readString(output, StandardCharsets.UTF_8));
                Thread.sleep(50);
            }
            CliProcess.Result stats = CliProcess.run(home, 40, "stats", "--json", "--interval", "1", "spinner");
            assertEquals(0, stats.exitCode(), stats.output());
            String line = stats.output().lines().filter(l -> l.startsWith("{")).findFirst().orElseThrow(
                    () -> new AssertionError("no JSON line:\n" + stats.output()));
            JsonNode s = RecordJson.MAPPER.readTree(line);
            assertEquals("spinner", s.path("unikernel").asText());
            // A shell spinning on one core: well above idle even on a loaded 2-core machine.
            assertTrue(s.path("cpuPercent").asDouble() > 20, "CPU % of a spinning guest: " + line);
            assertTrue(s.path("rssBytes").asLong() > 100_000, line);
            assertTrue(s.path("processes").asInt() >= 1, line);
            assertTrue(s.path("uptimeMs").asLong() > 0, line);

            CliProcess.Result table = CliProcess.run(home, 40, "stats", "--interval", "0.5");
            assertTrue(table.output().contains("NAME") && table.output().contains("CPU %")
                    && table.output().contains("spinner"), table.output());

            CliProcess.Result unknown = CliProcess.run(home, 40, "stats", "--interval", "0.2", "nosuch");
            assertEquals(1, unknown.exitCode(), unknown.output());
            assertTrue(unknown.output().contains("no running unikernel named 'nosuch'"), unknown.output());
        } finally {
            run.destroy();
            run.waitFor();
        }
    }
}
