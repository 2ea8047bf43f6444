package io.umonitor.core.internal.stats;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.umonitor.api.UnikernelHandle;
import io.umonitor.api.UnikernelSpec;
import io.umonitor.api.UnikernelStats.InterfaceStats;
import io.umonitor.api.UnikernelStats;
import io.umonitor.core.Monitor;
import io.umonitor.core.backend.process.ProcessBackend;
import io.umonitor.testkit.NetworkNamespaces;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Real guests' figures, read from the real /proc. */
@Timeout(60)
class HostProcStatsIT {

    @Test
    void aGuestThatBurnsCpuAndStartsAChildShowsBothInItsFigures(@TempDir Path dir) throws Exception {
        assumeTrue(Files.isDirectory(Path.of("/proc/self")), "needs Linux /proc");
        Path guest = dir.resolve("busy.sh");
        // Burns about 0.3 s of CPU in a child, keeps a second child asleep, then waits to be stopped.
        Files.writeString(guest, "#!/bin/sh\nsleep 30 &\ni=0; while [ $i -lt 200000 ]; do i=$((i+1)); done\n"
                + "echo burned\nwait\n");
        guest.toFile().setExecutable(true);
        try (Monitor monitor = Monitor.builder().discoverProviders(false).backend(new ProcessBackend())
                .stateDirectory(dir.resolve("state")).workDirectory(dir.resolve("work")).build()) {
            UnikernelHandle handle = monitor.launch(UnikernelSpec.builder("busy", guest).build());
            await(() -> monitor.logs("busy", io.umonitor.api.LogFilter.ALL).stream()
                    .anyMatch(r -> r.message().equals("burned")), "the guest to finish burning");
            UnikernelStats stats = monitor.stats("busy").orElseThrow();
            assertTrue(stats.processes() >= 2, "the shell and its sleeping child: " + stats);
            assertTrue(stats.cpuUser().plus(stats.cpuSystem()).toMillis() >= 50,
                    "a 200,000-step shell loop takes CPU time: " + stats);
            assertTrue(stats.rssBytes() > 100_000, "a shell and a sleep are resident: " + stats);
            assertTrue(stats.peakRssBytes() >= stats.rssBytes());
            assertTrue(stats.uptime().compareTo(Duration.ofMillis(1)) > 0 && stats.uptime().toSeconds() < 60,
                    "uptime is since this launch: " + stats.uptime());
            assertEquals(0, stats.restarts());
            handle.stop(Duration.ofSeconds(2));
            assertEquals(Optional.empty(), monitor.stats("busy"), "no figures once it has no host process");
        }
    }

    @Test
    void anUnknownNameIsAnErrorThatSaysWhereNamesAreListed(@TempDir Path dir) {
        try (Monitor monitor = Monitor.builder().discoverProviders(false).backend(new ProcessBackend())
                .stateDirectory(dir.resolve("state")).workDirectory(dir.resolve("work")).build()) {
            Exception e = org.junit.jupiter.api.Assertions.assertThrows(io.umonitor.api.ConfigurationException.class,
                    () -> monitor.stats("nobody"));
            assertTrue(e.getMessage().contains("'nobody'") && e.getMessage().contains("Monitor.unikernels()"));
        }
    }

    @Test
    void deviceCountersAreReadInsideTheNetworkNamespaceTheGuestRunsIn() throws Exception {
        assumeTrue(ProcessHandle.current().info().user().orElse("").equals("root")
                && Files.isExecutable(Path.of("/usr/bin/ip")) || Files.isExecutable(Path.of("/sbin/ip")),
                "needs root and iproute2 to create a network namespace");
        String ns = "umon-stats-" + ProcessHandle.current().pid();
        Optional<String> unusable = NetworkNamespaces.createEnterable(ns);
        assumeTrue(unusable.isEmpty(), () -> unusable.get());
        Process inside = null;
        try {
            inside = new ProcessBuilder("ip", "netns", "exec", ns, "sleep", "30").start();
            long pid = inside.pid();
            await(() -> new HostProcStats().stat(pid).isPresent() && commandOf(pid).startsWith("sleep"),
                    "the process to enter the namespace");
            List<InterfaceStats> before = new HostProcStats().interfaces(pid, List.of("lo"));
            // Ten UDP datagrams over the namespace's own loopback: the host's lo never sees them.
            for (int i = 0; i < 10; i++) {
                assertEquals(0, run("ip", "netns", "exec", ns, "bash", "-c", "echo x > /dev/udp/127.0.0.1/9"));
            }
            List<InterfaceStats> after = new HostProcStats().interfaces(pid, List.of("lo"));
            assertEquals(1, after.size(), "lo of the namespace: " + after);
            long sent = after.get(0).txPackets() - (before.isEmpty() ? 0 : before.get(0).txPackets());
            assertTrue(sent >= 10, "the namespace's lo counted the datagrams sent inside it: " + before + " -> " + after);
        } finally {
            if (inside != null) {
                inside.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
            NetworkNamespaces.delete(ns);
        }
    }

    private static String commandOf(long pid) {
        try {
            return Files.readString(Path.of("/proc", Long.toString(pid), "cmdline"));
        } catch (java.io.IOException e) {
            return "";
        }
    }

    private static int run(String... command) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        p.getInputStream().readAllBytes();
        return p.waitFor(20, TimeUnit.SECONDS) ? p.exitValue() : -1;
    }

    private static void await(Supplier<Boolean> condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + 20_000_000_000L;
        while (!condition.get()) {
            assertTrue(System.nanoTime() < deadline, "timed out waiting for " + what);
            Thread.sleep(20);
        }
    }
}
