package io.umonitor.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.umonitor.api.ExitClassification;
import io.umonitor.api.ExitInfo;
import io.umonitor.api.LogFilter;
import io.umonitor.api.LogLevel;
import io.umonitor.api.LogOrigin;
import io.umonitor.api.LogRecord;
import io.umonitor.api.LogStats;
import io.umonitor.api.RestartPolicy;
import io.umonitor.api.UnikernelHandle;
import io.umonitor.api.UnikernelSpec;
import io.umonitor.api.CollectorEndpoint;
import io.umonitor.core.backend.process.ProcessBackend;
import io.umonitor.testkit.Await;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import io.umonitor.testkit.CClientGuests;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole path with the real logging half: a C guest linked with the C client (compiled here with
 * gcc) is launched by the process backend, logs over TCP or UDP with its per-launch token, and its
 * records, console lines and the monitor's own records come out of {@link Monitor#logs}.
 */
@Timeout(60)
class MonitorEndToEndIT {
    private static final Duration WAIT = Duration.ofSeconds(20);
    private static final String GUEST_SOURCE = """
            #include <stdio.h>
            #include <stdlib.h>
            #include <string.h>
            #include "umonitor_log.h"

            /* guest COUNT MODE: prints a console line, sends COUNT records, then exits (ok) or aborts (crash). */
            int main(int argc, char **argv)
            {
                int count = argc > 1 ? atoi(argv[1]) : 10;
                const char *mode = argc > 2 ? argv[2] : "ok";
                int i;
                printf("guest %s starting\\n", getenv("UMONITOR_NAME"));
                fflush(stdout);
                if (umon_init_from_env() != UMON_OK) {
                    fprintf(stderr, "%s\\n", umon_init_error());
                    return 2;
                }
                for (i = 0; i < count; i++) {
                    umon_attr attrs[1];
                    attrs[0] = UMON_A_I64("i", i);
                    if (strcmp(mode, "named") == 0)
                        send_log_attrs(UMON_INFO, attrs, 1, "%s record %d", getenv("UMONITOR_NAME"), i);
                    else
                        send_log_attrs((umon_level)(1 + i % 6), attrs, 1, "record %d", i);
                }
                umon_shutdown("done");
                if (strcmp(mode, "crash") == 0) {
                    fprintf(stderr, "guest: giving up\\n");
                    abort();
                }
                return 0;
            }
            """;

    private static Path guest;

    @BeforeAll
    static void compileGuest(@TempDir Path dir) throws Exception {
        guest = CClientGuests.compile(dir, "guest", GUEST_SOURCE);
    }


    private static Monitor monitor() {
        return Monitor.builder().discoverProviders(false).backend(new ProcessBackend()).build();
    }

    private static UnikernelSpec.Builder guestSpec(String name, int count, String mode) {
        return UnikernelSpec.builder(name, guest).argument(Integer.toString(count)).argument(mode);
    }

    private static <T> T await(Supplier<T> value, java.util.function.Predicate<T> done, String what) {
        return Await.value(what, WAIT, value, done);
    }

    private static List<LogRecord> ofOrigin(Monitor monitor, String name, LogOrigin origin) {
        return monitor.logs(name, LogFilter.ALL).stream().filter(r -> r.origin() == origin).toList();
    }

    /** The lifecycle's own events; the logging half writes MONITOR records of its own (loss reports) too. */
    private static final java.util.Set<String> LIFECYCLE_EVENTS = java.util.Set.of("launched", "running", "exited",
            "restarting", "restarted", "gave-up", "stop", "stopped", "launch-failed");

    private static List<String> monitorEvents(Monitor monitor, String name) {
        return ofOrigin(monitor, name, LogOrigin.MONITOR).stream()
                .map(r -> r.attribute("event").map(v -> v.render()).orElse("?"))
                .filter(LIFECYCLE_EVENTS::contains).toList();
    }

    @Test
    void tcpRecordsConsoleAndMonitorEventsTellOneStory() throws Exception {
        try (Monitor monitor = monitor()) {
            UnikernelHandle handle = monitor.launch(guestSpec("tcp-guest", 50, "ok").build());
            ExitInfo exit = handle.termination().get(WAIT.toSeconds(), TimeUnit.SECONDS);
            assertEquals(ExitClassification.NORMAL, exit.classification());
            List<LogRecord> records = await(() -> ofOrigin(monitor, "tcp-guest", LogOrigin.TCP), l -> l.size() >= 50,
                    "50 TCP records");
            assertEquals(50, records.size());
            for (int i = 0; i < 50; i++) {
                LogRecord r = records.get(i);
                assertEquals("record " + i, r.message());
                assertEquals(LogLevel.fromWireCode(1 + i % 6), r.level());
                assertEquals(Long.toString(i), r.attribute("i").orElseThrow().render());
                assertEquals("tcp-guest", r.unikernel());
            }
            assertEquals(List.of("guest tcp-guest starting"),
                    ofOrigin(monitor, "tcp-guest", LogOrigin.CONSOLE).stream().map(LogRecord::message).toList());
            List<String> events = monitorEvents(monitor, "tcp-guest");
            assertTrue(events.containsAll(List.of("launched", "running", "exited")), events.toString());
            LogStats stats = monitor.logStats("tcp-guest");
            assertEquals(0, stats.rejected());
            assertEquals(0, stats.lost());
            assertTrue(monitor.senders().contains("tcp-guest"));
            // "record 4" matches records 4 and 40..49; of those, 4, 40, 41, 44..47 are INFO or above.
            assertEquals(7, monitor.logs("tcp-guest", LogFilter.atLeast(LogLevel.INFO).withText("record 4")).stream()
                    .filter(r -> r.origin() == LogOrigin.TCP).count());
        }
    }

    @Test
    void fiftyGuestsAtOnceOverTcpAndUdpGetOnlyTheirOwnRecords() throws Exception {
        int guests = 50;
        int records = 200;
        try (Monitor monitor = monitor()) {
            List<UnikernelHandle> handles = new java.util.ArrayList<>();
            for (int g = 0; g < guests; g++) {
                UnikernelSpec.Builder spec = guestSpec("many-" + g, records, "named");
                if (g % 2 == 1) {
                    spec.environment("UMONITOR_TCP", "");
                }
                handles.add(monitor.launch(spec.build()));
            }
            for (UnikernelHandle h : handles) {
                assertEquals(ExitClassification.NORMAL, h.termination().get(WAIT.toSeconds(), TimeUnit.SECONDS)
                        .classification(), h.name());
            }
            for (int g = 0; g < guests; g++) {
                String name = "many-" + g;
                LogOrigin origin = g % 2 == 0 ? LogOrigin.TCP : LogOrigin.UDP;
                List<LogRecord> got = g % 2 == 0
                        ? await(() -> ofOrigin(monitor, name, origin), l -> l.size() >= records, records + " TCP records of " + name)
                        : ofOrigin(monitor, name, origin);
                for (LogRecord r : got) {
                    assertTrue(r.message().startsWith(name + " record "), "record of " + name + ": " + r.message());
                }
                if (origin == LogOrigin.TCP) {
                    assertEquals(records, got.size(), "no TCP record of " + name + " may be lost");
                    for (int i = 0; i < records; i++) {
                        assertEquals(name + " record " + i, got.get(i).message());
                    }
                }
            }
            long udpReceived = 0;
            for (int g = 1; g < guests; g += 2) {
                udpReceived += ofOrigin(monitor, "many-" + g, LogOrigin.UDP).size();
            }
            System.out.printf("MonitorEndToEndIT: %d guests x %d records; UDP records received %d of %d%n", guests,
                    records, udpReceived, guests / 2 * records);
        }
    }

    @Test
    void udpRecordsArriveToo() throws Exception {
        try (Monitor monitor = monitor()) {
            // An empty UMONITOR_TCP makes the C client fall back to UMONITOR_UDP.
            UnikernelHandle handle = monitor.launch(guestSpec("udp-guest", 30, "ok").environment("UMONITOR_TCP", "").build());
            assertEquals(ExitClassification.NORMAL, handle.termination().get(WAIT.toSeconds(), TimeUnit.SECONDS)
                    .classification());
            List<LogRecord> records = await(() -> ofOrigin(monitor, "udp-guest", LogOrigin.UDP), l -> l.size() >= 30,
                    "30 UDP records");
            assertEquals(30, records.size());
            assertEquals("record 29", records.get(29).message());
        }
    }

    @Test
    void aSenderWithAWrongTokenIsRejectedAndCountedWhileTheRightOneIsAccepted() throws Exception {
        try (Monitor monitor = monitor()) {
            UnikernelHandle impostor = monitor.launch(guestSpec("guarded", 5, "ok")
                    .environment("UMONITOR_TCP", "").environment("UMONITOR_TOKEN", "0".repeat(32)).build());
            impostor.termination().get(WAIT.toSeconds(), TimeUnit.SECONDS);
            await(() -> monitor.logStats("guarded").rejected(), n -> n > 0, "rejections to be counted");
            assertEquals(0, ofOrigin(monitor, "guarded", LogOrigin.UDP).size());

            UnikernelHandle honest = monitor.launch(guestSpec("guarded", 5, "ok").environment("UMONITOR_TCP", "").build());
            honest.termination().get(WAIT.toSeconds(), TimeUnit.SECONDS);
            await(() -> ofOrigin(monitor, "guarded", LogOrigin.UDP), l -> l.size() >= 5, "the honest records");
            assertEquals(5, ofOrigin(monitor, "guarded", LogOrigin.UDP).size());
        }
    }

    @Test
    void aCrashingGuestIsRestartedAndKeepsOneHistory() throws Exception {
        try (Monitor monitor = monitor()) {
            RestartPolicy once = RestartPolicy.onFailure(1, Duration.ofMillis(100), Duration.ofMillis(100));
            UnikernelHandle handle = monitor.launch(guestSpec("phoenix", 10, "crash").restartPolicy(once).build());
            ExitInfo exit = handle.termination().get(WAIT.toSeconds(), TimeUnit.SECONDS);
            assertEquals(ExitClassification.CRASH, exit.classification());
            assertEquals(6, exit.signal());
            assertTrue(exit.lastConsoleLines().contains("guest: giving up"), exit.lastConsoleLines().toString());
            assertEquals(1, handle.restarts());
            List<LogRecord> records = await(() -> ofOrigin(monitor, "phoenix", LogOrigin.TCP), l -> l.size() >= 20,
                    "records of both runs");
            assertEquals(20, records.size());
            List<String> events = monitorEvents(monitor, "phoenix");
            assertEquals(List.of("launched", "running", "exited", "restarting", "restarted", "running", "exited", "gave-up"),
                    events);
            assertTrue(monitor.logs("phoenix", LogFilter.ALL.withText("CRASH")).size() >= 2);
        }
    }

    @Test
    void followReplaysAndThenDeliversLiveRecords() throws Exception {
        try (Monitor monitor = monitor()) {
            List<LogRecord> seen = new CopyOnWriteArrayList<>();
            UnikernelHandle handle = monitor.launch(guestSpec("live", 12, "ok").build());
            // Following after the launch misses nothing: what the guest logged in between is replayed.
            try (AutoCloseable following = monitor.follow("live", LogFilter.atLeast(LogLevel.ERROR), seen::add)) {
                handle.termination().get(WAIT.toSeconds(), TimeUnit.SECONDS);
                // Records 4, 5, 10, 11 are ERROR or FATAL.
                await(() -> seen.stream().filter(r -> r.origin() == LogOrigin.TCP).count(), n -> n >= 4, "4 records");
            }
            assertTrue(seen.stream().allMatch(r -> r.level().isAtLeast(LogLevel.ERROR)));
        }
    }

    @Test
    void attachModeKeepsRecordsOfSendersUmonitorDidNotLaunch() throws Exception {
        String token = "feedfacefeedfacefeedfacefeedface";
        try (Monitor monitor = Monitor.builder().discoverProviders(false).backend(new ProcessBackend())
                .acceptAttachedSenders(token).build()) {
            CollectorEndpoint tcp = monitor.endpoints().stream()
                    .filter(e -> e.transport() == CollectorEndpoint.Transport.TCP).findFirst().orElseThrow();
            ProcessBuilder pb = new ProcessBuilder(guest.toString(), "7", "ok").redirectErrorStream(true);
            pb.environment().put("UMONITOR_NAME", "outsider");
            pb.environment().put("UMONITOR_TOKEN", token);
            pb.environment().put("UMONITOR_TCP", tcp.hostAndPort());
            Process p = pb.start();
            p.getInputStream().readAllBytes();
            assertTrue(p.waitFor(WAIT.toSeconds(), TimeUnit.SECONDS));
            assertEquals(0, p.exitValue());
            await(() -> ofOrigin(monitor, "outsider", LogOrigin.TCP), l -> l.size() >= 7, "the attached records");
            assertTrue(monitor.senders().contains("outsider"));
            assertTrue(monitor.find("outsider").isEmpty(), "attached senders are not launched unikernels");
        }
    }
}
