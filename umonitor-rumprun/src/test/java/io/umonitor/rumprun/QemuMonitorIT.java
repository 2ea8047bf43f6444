package io.umonitor.rumprun;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.umonitor.api.ExitClassification;
import io.umonitor.api.ExitInfo;
import io.umonitor.api.LogFilter;
import io.umonitor.api.LogLevel;
import io.umonitor.api.LogOrigin;
import io.umonitor.api.LogRecord;
import io.umonitor.api.NetworkSpec;
import io.umonitor.api.UnikernelHandle;
import io.umonitor.api.UnikernelSpec;
import io.umonitor.api.UnikernelState;
import io.umonitor.core.Monitor;
import io.umonitor.testkit.Await;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Both test guests through the real Monitor: its collectors, console decoding, token check and
 * lifecycle, with the QEMU backend passed explicitly.
 */
class QemuMonitorIT {

    @TempDir
    Path dir;

    private Monitor monitor() {
        return Monitor.builder().discoverProviders(false).backend(new QemuBackend())
                .stateDirectory(dir.resolve("state")).workDirectory(dir.resolve("work")).build();
    }

    private static String history(List<LogRecord> records) {
        return records.stream().map(r -> r.origin() + " " + r.level() + " " + r.message()).collect(Collectors.joining("\n"));
    }

    @Test
    void multibootGuestRecordsArriveStructuredThroughTheMonitor() throws Exception {
        GuestBuilds.assumeQemu();
        Path guest = GuestBuilds.multibootGuest();
        List<UnikernelState> states = new CopyOnWriteArrayList<>();
        try (Monitor monitor = monitor()) {
            monitor.addLifecycleListener(e -> {
                if (e.unikernel().equals("mb-monitor")) {
                    states.add(e.state());
                }
            });
            UnikernelHandle handle = monitor.launch(UnikernelSpec.builder("mb-monitor", guest).backend("qemu")
                    .option("qemu.accel", "tcg").option("qemu.append", "test.end=exit test.code=4 test.records=3").build());
            ExitInfo exit = handle.termination().get(30, TimeUnit.SECONDS);
            List<LogRecord> logs = monitor.logs("mb-monitor", LogFilter.ALL);

            assertEquals(4, exit.exitCode(), history(logs));
            assertEquals(ExitClassification.FAILURE, exit.classification());
            // Listeners are called on a monitor thread: the end can be known before they have heard of it.
            Await.within(java.time.Duration.ofSeconds(10), () -> states.contains(UnikernelState.EXITED));
            assertTrue(states.contains(UnikernelState.RUNNING), states.toString());
            List<LogRecord> structured = logs.stream()
                    .filter(r -> r.origin() == LogOrigin.CONSOLE && r.hasSequence()).toList();
            assertEquals(List.of("record 0 from the multiboot guest", "record 1 from the multiboot guest",
                    "record 2 from the multiboot guest"), structured.stream().map(LogRecord::message).toList(), history(logs));
            assertEquals(LogLevel.WARN, structured.get(2).level());
            assertEquals("mbguest", structured.get(0).logger());
            assertTrue(logs.stream().anyMatch(r -> r.message().equals("mbguest: plain console line between records")),
                    history(logs));
        }
    }

    @Test
    void linuxGuestOnUserNetworkingLogsToTheMonitorsCollectorsWithItsToken() throws Exception {
        GuestBuilds.assumeQemu();
        GuestBuilds.LinuxGuest guest = GuestBuilds.linuxGuest();
        try (Monitor monitor = monitor()) {
            UnikernelHandle handle = monitor.launch(UnikernelSpec.builder("linux-monitor", guest.kernel()).backend("qemu")
                    .memoryMb(256).network(NetworkSpec.user("net0")).arguments(List.of("--records", "3", "--exit", "0"))
                    .option("qemu.accel", "tcg").option("qemu.flavour", "rumprun")
                    .option("qemu.initrd", guest.initrd().toString()).build());
            ExitInfo exit = handle.termination().get(120, TimeUnit.SECONDS);
            Await.within(Duration.ofSeconds(10), () -> monitor.logs("linux-monitor", LogFilter.ALL).stream()
                    .filter(r -> r.origin() == LogOrigin.UDP || r.origin() == LogOrigin.TCP).count() >= 6);
            List<LogRecord> logs = monitor.logs("linux-monitor", LogFilter.ALL);

            assertEquals(0, exit.exitCode(), history(logs));
            assertEquals(ExitClassification.NORMAL, exit.classification(), history(logs));
            for (LogOrigin origin : List.of(LogOrigin.UDP, LogOrigin.TCP, LogOrigin.CONSOLE)) {
                String transport = origin.name().toLowerCase(java.util.Locale.ROOT);
                List<String> messages = logs.stream().filter(r -> r.origin() == origin && r.hasSequence())
                        .map(LogRecord::message).sorted().toList();
                assertEquals(List.of(transport + " record 0 of 3", transport + " record 1 of 3", transport + " record 2 of 3"),
                        messages, origin + " records in\n" + history(logs));
            }
            assertEquals(0, monitor.logStats("linux-monitor").lost(), monitor.logStats("linux-monitor").toString());
        }
    }
}
