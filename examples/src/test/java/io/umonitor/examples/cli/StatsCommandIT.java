package io.umonitor.examples.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

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

            // ps has the same figures as columns: CPU % over the run's lifetime, resident memory.
            CliProcess.Result ps = CliProcess.run(home, 40, "ps");
            String header = ps.output().lines().filter(l -> l.startsWith("NAME")).findFirst().orElseThrow();
            String row = ps.output().lines().filter(l -> l.startsWith("spinner ")).findFirst().orElseThrow(
                    () -> new AssertionError(ps.output()));
            System.out.println("umonitor ps:\n" + header + "\n" + row);
            String cpu = row.substring(header.indexOf("CPU %"), header.indexOf("CPU %") + 5).trim();
            // Over the whole run on a loaded machine, not one busy second: clearly above an idle guest (0.0).
            assertTrue(Double.parseDouble(cpu) > 5, "ps CPU % of a spinning guest: " + row);
            assertTrue(row.contains(" KiB ") || row.contains(" MiB "), "ps MEM: " + row);

            CliProcess.Result unknown = CliProcess.run(home, 40, "stats", "--interval", "0.2", "nosuch");
            assertEquals(1, unknown.exitCode(), unknown.output());
            assertTrue(unknown.output().contains("no running unikernel named 'nosuch'"), unknown.output());
        } finally {
            run.destroy();
            run.waitFor();
        }
    }

    /**
     * A QEMU guest (the QEMU backend's freestanding multiboot test guest, as the demo builds it, under TCG as
     * every QEMU test here): its figures are those of its QEMU process, whose resident memory alone is many
     * megabytes.
     */
    @Test
    void aQemuGuestShowsTheFiguresOfItsQemuProcess(@TempDir Path home) throws Exception {
        assumeTrue(ReadmeExamplesIT.onPath("qemu-system-x86_64"),
                "needs QEMU for a QEMU guest: apt-get install qemu-system-x86 (listed in .ci/packages.txt)");
        assumeTrue(ReadmeExamplesIT.onPath("gcc") && ReadmeExamplesIT.onPath("ld"),
                "needs gcc and ld to build the multiboot guest: apt-get install gcc binutils");
        Path kernel = DemoCommand.buildMultibootGuest(home.resolve("multiboot"), "gcc");
        Path output = home.resolve("vm.out");
        Process run = CliProcess.start(home, output, "run", "--backend", "qemu", "-o", "qemu.accel=tcg",
                "-o", "qemu.append=test.end=hang", "--name", "vm", kernel.toString());
        try {
            long deadline = System.nanoTime() + 60_000_000_000L;
            while (!Files.readString(output, StandardCharsets.UTF_8).contains("waiting to be stopped")) {
                assertTrue(run.isAlive() && System.nanoTime() < deadline, Files.readString(output, StandardCharsets.UTF_8));
                Thread.sleep(100);
            }
            CliProcess.Result stats = CliProcess.run(home, 40, "stats", "--json", "--interval", "1", "vm");
            assertEquals(0, stats.exitCode(), stats.output());
            String line = stats.output().lines().filter(l -> l.startsWith("{")).findFirst().orElseThrow(
                    () -> new AssertionError("no JSON line:\n" + stats.output()));
            System.out.println("umonitor stats --json vm (QEMU, TCG): " + line);
            JsonNode s = RecordJson.MAPPER.readTree(line);
            assertEquals("vm", s.path("unikernel").asText());
            assertTrue(s.path("rssBytes").asLong() > 10_000_000, "QEMU's resident memory: " + line);
            assertTrue(s.path("peakRssBytes").asLong() >= s.path("rssBytes").asLong(), line);
            assertTrue(s.path("processes").asInt() >= 1, line);
            assertTrue(s.path("cpuUserNanos").asLong() + s.path("cpuSystemNanos").asLong() > 0,
                    "booting under TCG took CPU time: " + line);
            assertTrue(s.path("uptimeMs").asLong() > 0, line);

            CliProcess.Result table = CliProcess.run(home, 40, "stats", "--interval", "0.5", "vm");
            assertTrue(table.output().contains("vm") && table.output().contains("MiB"), table.output());
            CliProcess.Result ps = CliProcess.run(home, 40, "ps");
            String row = ps.output().lines().filter(l -> l.startsWith("vm ")).findFirst().orElseThrow(
                    () -> new AssertionError(ps.output()));
            assertTrue(row.contains(" MiB "), "ps MEM of QEMU: " + row);
        } finally {
            run.destroy();
            run.waitFor();
        }
    }
}
