package io.umonitor.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.umonitor.api.ExitClassification;
import io.umonitor.api.ExitInfo;
import io.umonitor.api.LogFilter;
import io.umonitor.api.UnikernelHandle;
import io.umonitor.api.UnikernelSpec;
import io.umonitor.core.backend.process.ProcessBackend;
import io.umonitor.core.gateway.GatewayOptions;
import io.umonitor.testkit.Await;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a guest leaves on the host, through the real Monitor and process backend: its own session and
 * process group (a terminal's Ctrl-C reaches the JVM only), nothing it started outlives it, and no
 * umonitor thread outlives {@link Monitor#close()}.
 */
@Timeout(120)
class GuestProcessTreeIT {
    private static final Path SH = Path.of("/bin/sh");
    private static final Duration WAIT = Duration.ofSeconds(20);

    @TempDir
    Path state;

    private Monitor monitor() {
        return Monitor.builder().discoverProviders(false).backend(new ProcessBackend()).stateDirectory(state)
                .workDirectory(state.resolve("work")).senderLinger(Duration.ZERO).build();
    }

    private static UnikernelSpec sh(String name, String script) {
        return UnikernelSpec.builder(name, SH).argument("-c").argument(script).build();
    }

    private static String marker(String what) {
        return "umt-tree-" + what + "-" + ProcessHandle.current().pid() + "-" + System.nanoTime();
    }

    /** A background shell with {@code marker} in its argv that outlives the script unless someone ends it. */
    private static String leaveRunning(String marker) {
        return "sh -c 'sleep 1000; :' " + marker + " & ";
    }

    @Test
    void theGuestsPgidAndSidDifferFromTheJvmsSoCtrlCReachesOnlyTheJvm() throws Exception {
        try (Monitor monitor = monitor()) {
            UnikernelHandle guest = monitor.launchAndAwaitRunning(sh("session", "echo up; exec sleep 30"),
                    WAIT);
            long pid = Long.parseLong(monitor.details("session").get("pid"));
            long jvm = ProcessHandle.current().pid();
            assertEquals(pid, stat(pid, 5), "the guest leads its own process group");
            assertEquals(pid, stat(pid, 6), "the guest leads its own session");
            assertNotEquals(stat(jvm, 5), stat(pid, 5), "pgid of guest and JVM");
            assertNotEquals(stat(jvm, 6), stat(pid, 6), "sid of guest and JVM");
        }
    }

    @Test
    void aBackgroundProcessOfAGuestThatExitsNormallyDoesNotRemain() throws Exception {
        String marker = marker("exit");
        try (Monitor monitor = monitor()) {
            UnikernelHandle guest = monitor.launch(sh("leaver", leaveRunning(marker) + "echo started; exit 0"));
            ExitInfo exit = guest.termination().get(WAIT.toSeconds(), TimeUnit.SECONDS);
            assertEquals(ExitClassification.NORMAL, exit.classification(), exit.summary());
            assertTrue(monitor.logs("leaver", LogFilter.ALL).stream().anyMatch(r -> r.message().equals("started")));
            assertEquals(List.of(), processesWith(marker), "processes left after the guest exited");
        }
    }

    @Test
    void closingTheMonitorEndsTheWholeProcessGroupOfARunningGuest() throws Exception {
        String marker = marker("close");
        Monitor monitor = monitor();
        try {
            monitor.launchAndAwaitRunning(sh("holder", leaveRunning(marker) + "echo up; exec sleep 1000"), WAIT);
            Await.check("the marked background process to start", WAIT, () -> processesWith(marker).size() == 1);
        } finally {
            monitor.close();
        }
        assertEquals(List.of(), processesWith(marker), "processes left after Monitor.close()");
    }

    @Test
    void noUmonitorThreadSurvivesClose() throws Exception {
        Set<Thread> before = umonitorThreads();
        Monitor monitor = Monitor.builder().discoverProviders(false).backend(new ProcessBackend())
                .stateDirectory(state).workDirectory(state.resolve("work")).senderLinger(Duration.ZERO)
                .invocationGateway(GatewayOptions.defaults()).build();
        try {
            monitor.launchAndAwaitRunning(sh("busy", "echo up; exec sleep 1000"), WAIT);
            monitor.launch(sh("brief", "echo bye"));
            AutoCloseable following = monitor.follow(null, LogFilter.ALL, r -> { });
            assertTrue(umonitorThreads().size() > before.size(), "a running monitor has threads of its own");
            following.close();
        } finally {
            monitor.close();
        }
        // Threads end just after the work they finish: allow them a moment, then name any that remain.
        List<String> survivors = new ArrayList<>();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        do {
            survivors = umonitorThreads().stream().filter(t -> !before.contains(t)).map(Thread::getName).sorted()
                    .collect(Collectors.toList());
            if (survivors.isEmpty()) {
                break;
            }
            Thread.sleep(20);
        } while (System.nanoTime() < deadline);
        assertEquals(List.of(), survivors, "umonitor threads alive 5 s after Monitor.close()");
    }

    private static Set<Thread> umonitorThreads() {
        return Thread.getAllStackTraces().keySet().stream().filter(Thread::isAlive)
                .filter(t -> t.getName().startsWith("umonitor")).collect(Collectors.toSet());
    }

    /** Field {@code field} (1-based, as in proc(5)) of /proc/PID/stat. */
    private static long stat(long pid, int field) throws IOException {
        String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
        return Long.parseLong(stat.substring(stat.lastIndexOf(')') + 2).split(" ")[field - 3]);
    }

    /** Live (not zombie) processes whose command line holds {@code marker}. */
    private static List<Long> processesWith(String marker) throws IOException {
        List<Long> found = new ArrayList<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(Path.of("/proc"))) {
            for (Path entry : entries) {
                String name = entry.getFileName().toString();
                if (!name.chars().allMatch(Character::isDigit)) {
                    continue;
                }
                try {
                    String cmdline = new String(Files.readAllBytes(entry.resolve("cmdline")), StandardCharsets.UTF_8);
                    String stat = Files.readString(entry.resolve("stat"));
                    if (cmdline.contains(marker) && !stat.substring(stat.lastIndexOf(')') + 2).startsWith("Z")) {
                        found.add(Long.parseLong(name));
                    }
                } catch (IOException e) {
                    // ended while we looked
                }
            }
        }
        return found;
    }
}
