package io.umonitor.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.umonitor.api.ConfigurationException;
import io.umonitor.api.LogFilter;
import io.umonitor.api.LogOrigin;
import io.umonitor.api.LogRecord;
import io.umonitor.api.UnikernelHandle;
import io.umonitor.api.UnikernelSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What a platform embedding {@link Monitor} relies on: switching one provider off, and names it misspells. */
class EmbeddingSwitchesIT {
    private static UnikernelSpec echo(String name, int lines) {
        return UnikernelSpec.builder(name, Path.of("/bin/sh")).backend("process").argument("-c")
                .argument("i=0; while [ $i -lt " + lines + " ]; do i=$((i+1)); echo line $i; done").build();
    }

    private static long consoleLines(Monitor monitor, String name) {
        return monitor.logs(name, LogFilter.ALL).stream().filter(r -> r.origin() == LogOrigin.CONSOLE).count();
    }

    @Test
    void fileEnabledFalseSwitchesOffTheDiscoveredFileSinkAndKeepsEverythingElse(@TempDir Path dir) throws Exception {
        try (Monitor monitor = Monitor.builder().workDirectory(dir.resolve("off")).stateDirectory(dir.resolve("state"))
                .property("file.enabled", "false").closeOnJvmExit(false).build()) {
            assertEquals(0, monitor.launch(echo("quiet", 5)).termination().get(60, TimeUnit.SECONDS).exitCode());
            assertEquals(5, consoleLines(monitor, "quiet"), "history and followers still get every record");
        }
        assertFalse(Files.exists(dir.resolve("off").resolve("logs")), "no log directory, no file");
        // The same monitor without the switch writes the file: the switch, not something else, made the difference.
        try (Monitor monitor = Monitor.builder().workDirectory(dir.resolve("on")).stateDirectory(dir.resolve("state"))
                .property("file.enabled", "true").closeOnJvmExit(false).build()) {
            monitor.launch(echo("loud", 5)).termination().get(60, TimeUnit.SECONDS);
        }
        String file = Files.readString(dir.resolve("on").resolve("logs").resolve("loud.log"));
        assertEquals(5, file.lines().filter(l -> l.contains(" line ")).count(), file);
    }

    @Test
    void anyDiscoveredProviderCanBeSwitchedOffByItsIdEnabledSetting(@TempDir Path dir) {
        try (Monitor monitor = Monitor.builder().workDirectory(dir).stateDirectory(dir.resolve("state"))
                .property("process.enabled", "false").closeOnJvmExit(false).build()) {
            assertFalse(monitor.backends().containsKey("process"), monitor.backends().toString());
            io.umonitor.api.BackendUnavailableException e = assertThrows(io.umonitor.api.BackendUnavailableException.class,
                    () -> monitor.launch(echo("nobody", 1)));
            assertTrue(e.getMessage().contains("backend 'process' asked for by unikernel 'nobody' is not installed"),
                    e.getMessage());
        }
    }

    @Test
    void anEnabledSwitchThatIsNotTrueOrFalseOrNamesNoProviderIsRefusedWithTheSetting(@TempDir Path dir) {
        ConfigurationException e = assertThrows(ConfigurationException.class, () -> Monitor.builder()
                .workDirectory(dir).stateDirectory(dir.resolve("state")).property("file.enabled", "no")
                .property("log.enabled", "false").closeOnJvmExit(false).build());
        assertTrue(e.getMessage().contains("setting 'file.enabled' is 'no': use true or false"), e.getMessage());
        assertTrue(e.getMessage().contains("setting 'log.enabled': only backends, network provisioners and log sinks"),
                e.getMessage());
    }

    @Test
    void logsAndFollowOfANameNeverSeenThrowNamingItAndTheFix(@TempDir Path dir) throws Exception {
        try (Monitor monitor = Monitor.builder().workDirectory(dir).stateDirectory(dir.resolve("state"))
                .closeOnJvmExit(false).build()) {
            UnikernelHandle web = monitor.launch(echo("web", 3));
            ConfigurationException logs = assertThrows(ConfigurationException.class,
                    () -> monitor.logs("wbe", LogFilter.ALL));
            assertTrue(logs.getMessage().startsWith("Monitor.logs(\"wbe\", ...): no unikernel or sender named 'wbe'"),
                    logs.getMessage());
            assertTrue(logs.getMessage().contains("Monitor.senders()"), logs.getMessage());
            ConfigurationException follow = assertThrows(ConfigurationException.class,
                    () -> monitor.follow("wbe", LogFilter.ALL, r -> { }));
            assertTrue(follow.getMessage().contains("launch it first with Monitor.launch(...)")
                    && follow.getMessage().contains("follow(null, ...)"), follow.getMessage());
            assertFalse(monitor.senders().contains("wbe"), "a refused name leaves no empty log behind");

            // The right name works, after the launch and after the end, and misses nothing.
            web.termination().get(60, TimeUnit.SECONDS);
            List<LogRecord> seen = new CopyOnWriteArrayList<>();
            try (AutoCloseable following = monitor.follow("web", LogFilter.ALL, seen::add)) {
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                while (seen.stream().filter(r -> r.origin() == LogOrigin.CONSOLE).count() < 3 && System.nanoTime() < deadline) {
                    Thread.sleep(20);
                }
            }
            assertEquals(3, seen.stream().filter(r -> r.origin() == LogOrigin.CONSOLE).count(), seen.toString());
            assertEquals(3, consoleLines(monitor, "web"));
        }
    }

    @Test
    void inAttachModeANameMayBeFollowedOrReadBeforeItsSenderAttaches(@TempDir Path dir) throws Exception {
        try (Monitor monitor = Monitor.builder().workDirectory(dir).stateDirectory(dir.resolve("state"))
                .acceptAttachedSenders("").closeOnJvmExit(false).build();
             AutoCloseable early = monitor.follow("sensor-7", LogFilter.ALL, r -> { })) {
            assertEquals(List.of(), monitor.logs("sensor-8", LogFilter.ALL), "nothing yet, and no error");
        }
    }
}
