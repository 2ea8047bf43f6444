package io.umonitor.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.umonitor.api.ConfigurationException;
import io.umonitor.api.ExitClassification;
import io.umonitor.api.ExitInfo;
import io.umonitor.api.LaunchException;
import io.umonitor.api.LifecycleEvent;
import io.umonitor.api.LogFilter;
import io.umonitor.api.LogLevel;
import io.umonitor.api.LogRecord;
import io.umonitor.api.NetworkSpec;
import io.umonitor.api.RestartPolicy;
import io.umonitor.api.UnikernelHandle;
import io.umonitor.api.UnikernelSpec;
import io.umonitor.api.UnikernelState;
import io.umonitor.core.backend.process.ProcessBackend;
import io.umonitor.testkit.Await;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The monitor's lifecycle with real processes, and a recording fake in place of the logging half. */
@Timeout(60)
class MonitorLifecycleIT {
    private static final Path SH = Path.of("/bin/sh");
    private static final Duration WAIT = Duration.ofSeconds(20);

    @TempDir
    Path state;

    private final List<String> eventLog = new CopyOnWriteArrayList<>();
    private final RecordingFakeLogHub hub = new RecordingFakeLogHub(eventLog);
    private final List<LifecycleEvent> events = new CopyOnWriteArrayList<>();

    private Monitor monitor(Consumer<Monitor.Builder> configure) {
        Monitor.Builder builder = Monitor.builder().discoverProviders(false).backend(new ProcessBackend())
                .logHubFactory(config -> hub).senderLinger(Duration.ZERO).stateDirectory(state);
        configure.accept(builder);
        Monitor monitor = builder.build();
        monitor.addLifecycleListener(events::add);
        return monitor;
    }

    private Monitor monitor() {
        return monitor(b -> { });
    }

    private static UnikernelSpec.Builder shGuest(String name, String script) {
        return UnikernelSpec.builder(name, SH).argument("-c").argument(script);
    }

    private static ExitInfo termination(UnikernelHandle handle) throws Exception {
        return handle.termination().get(WAIT.toSeconds(), TimeUnit.SECONDS);
    }

    private static void await(BooleanSupplier condition, String what) {
        Await.until(what, WAIT, condition);
    }

    private List<UnikernelState> statesOf(String name) {
        return events.stream().filter(e -> e.unikernel().equals(name)).map(LifecycleEvent::state).toList();
    }

    @Test
    void aNormalExitGoesThroughEveryStateAndIsLogged() throws Exception {
        try (Monitor monitor = monitor()) {
            UnikernelHandle handle = monitor.launch(shGuest("hello", "echo hello from the guest").build());
            assertEquals("process", handle.backendId());
            ExitInfo exit = termination(handle);
            assertEquals(ExitClassification.NORMAL, exit.classification());
            assertEquals(0, exit.exitCode());
            assertEquals(List.of("hello from the guest"), exit.lastConsoleLines());
            await(() -> statesOf("hello").size() == 3, "3 lifecycle events");
            assertEquals(List.of(UnikernelState.STARTING, UnikernelState.RUNNING, UnikernelState.EXITED), statesOf("hello"));
            assertEquals(List.of("launched", "running", "exited"), hub.monitorEvents("hello"));
            assertEquals(List.of("hello from the guest"), hub.console("hello"));
            assertEquals(handle, monitor.find("hello").orElseThrow());
            assertEquals(List.of(handle), monitor.unikernels());
            List<LogRecord> all = monitor.logs("hello", LogFilter.ALL);
            assertTrue(all.stream().anyMatch(r -> r.message().contains("exit code 0")), all.toString());
        }
    }

    @Test
    void aFailingGuestIsRestartedWithBackoffUntilTheMaximum() throws Exception {
        try (Monitor monitor = monitor()) {
            RestartPolicy policy = RestartPolicy.onFailure(2, Duration.ofMillis(200), Duration.ofSeconds(1));
            long start = System.nanoTime();
            UnikernelHandle handle = monitor.launch(shGuest("flaky", "echo attempt; exit 3").restartPolicy(policy).build());
            ExitInfo exit = termination(handle);
            long tookMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            assertEquals(3, exit.exitCode());
            assertEquals(ExitClassification.FAILURE, exit.classification());
            assertEquals(2, handle.restarts());
            assertEquals(UnikernelState.EXITED, handle.state());
            // Backoff: 200 ms before the first restart, 400 ms before the second.
            assertTrue(tookMillis >= 600, "three runs took only " + tookMillis + " ms");
            assertEquals(List.of("launched", "running", "exited", "restarting", "restarted", "running", "exited",
                    "restarting", "restarted", "running", "exited", "gave-up"), hub.monitorEvents("flaky"));
            assertEquals(List.of("attempt", "attempt", "attempt"), hub.console("flaky"));
            assertEquals(3, hub.tokens.size());
            assertEquals(3, new HashSet<>(hub.tokens).size(), "a new token for every run: " + hub.tokens);
            await(() -> statesOf("flaky").size() == 9, "9 lifecycle events");
            assertEquals(2, events.get(events.size() - 1).restarts());
        }
    }

    @Test
    void aCrashIsClassifiedWithItsSignalAndLastConsoleLines() throws Exception {
        try (Monitor monitor = monitor()) {
            UnikernelHandle handle = monitor.launch(shGuest("crasher", "echo one; echo two >&2; kill -SEGV $$").build());
            ExitInfo exit = termination(handle);
            assertEquals(ExitClassification.CRASH, exit.classification());
            assertEquals(11, exit.signal());
            assertEquals(139, exit.exitCode());
            assertEquals(2, exit.lastConsoleLines().size());
            assertTrue(exit.lastConsoleLines().containsAll(List.of("one", "two")));
            assertTrue(hub.records.stream().anyMatch(r -> r.level() == LogLevel.ERROR
                    && r.message().contains("signal 11") && r.message().contains("CRASH")));
        }
    }

    @Test
    void aGuestKilledFromOutsideIsKilledNotStopped() throws Exception {
        try (Monitor monitor = monitor()) {
            UnikernelHandle handle = monitor.launch(shGuest("victim", "echo ready; exec sleep 30").build());
            await(() -> hub.console("victim").contains("ready"), "the guest's ready line");
            await(() -> monitor.details("victim").containsKey("pid"), "the pid");
            long pid = Long.parseLong(monitor.details("victim").get("pid"));
            assertTrue(monitor.details("victim").get("gdb").contains(Long.toString(pid)));
            assertTrue(new ProcessBuilder("kill", "-KILL", Long.toString(pid)).start().waitFor(10, TimeUnit.SECONDS));
            ExitInfo exit = termination(handle);
            assertEquals(ExitClassification.KILLED, exit.classification());
            assertEquals(9, exit.signal());
            assertEquals(UnikernelState.EXITED, handle.state());
        }
    }

    /** Wall-clock nanoseconds when {@code handle}'s termination completes (a callback registered up front). */
    private static java.util.concurrent.CompletableFuture<Long> detectedAtNanos(UnikernelHandle handle) {
        return handle.termination().thenApply(exit -> {
            java.time.Instant now = java.time.Instant.now();
            return now.getEpochSecond() * 1_000_000_000L + now.getNano();
        });
    }

    private static long printedNanos(ExitInfo exit) {
        return exit.lastConsoleLines().stream().filter(l -> l.startsWith("t=")).mapToLong(l -> Long.parseLong(
                l.substring(2))).findFirst().orElseThrow(() -> new AssertionError("no t= line: " + exit));
    }

    @Test
    void aSigkillAnAbortAndANonZeroExitAreEachDetectedWithin200MillisecondsWithClassificationAndLastLines()
            throws Exception {
        long limitNanos = TimeUnit.MILLISECONDS.toNanos(200);
        try (Monitor monitor = monitor()) {
            // Each guest prints its own wall-clock time just before it dies; the latency is from that line.
            UnikernelHandle aborts = monitor.launch(shGuest("aborts",
                    "echo first words; echo t=$(date +%s%N); kill -ABRT $$").build());
            var abortsAt = detectedAtNanos(aborts);
            ExitInfo abort = termination(aborts);
            long abortLatency = abortsAt.get() - printedNanos(abort);
            assertEquals(ExitClassification.CRASH, abort.classification());
            assertEquals(6, abort.signal());
            assertEquals("first words", abort.lastConsoleLines().get(0));

            UnikernelHandle fails = monitor.launch(shGuest("fails",
                    "echo about to fail >&2; echo t=$(date +%s%N); exit 7").build());
            var failsAt = detectedAtNanos(fails);
            ExitInfo failure = termination(fails);
            long failLatency = failsAt.get() - printedNanos(failure);
            assertEquals(ExitClassification.FAILURE, failure.classification());
            assertEquals(7, failure.exitCode());
            assertTrue(failure.lastConsoleLines().contains("about to fail"), failure.toString());

            // SIGKILL from outside: the latency is measured from the kill call.
            UnikernelHandle victim = monitor.launch(shGuest("killed", "echo last line before kill; exec sleep 30")
                    .build());
            await(() -> hub.console("killed").contains("last line before kill"), "the guest's line");
            await(() -> monitor.details("killed").containsKey("pid"), "the pid");
            ProcessHandle process = ProcessHandle.of(Long.parseLong(monitor.details("killed").get("pid")))
                    .orElseThrow();
            var killedAt = victim.termination().thenApply(exit -> System.nanoTime());
            long killCall = System.nanoTime();
            assertTrue(process.destroyForcibly(), "SIGKILL sent");
            ExitInfo killed = termination(victim);
            long killLatency = killedAt.get() - killCall;
            assertEquals(ExitClassification.KILLED, killed.classification());
            assertEquals(9, killed.signal());
            assertEquals(List.of("last line before kill"), killed.lastConsoleLines());

            System.out.printf("death detected after: abort %d ms, exit 7 %d ms, SIGKILL %d ms%n",
                    abortLatency / 1_000_000, failLatency / 1_000_000, killLatency / 1_000_000);
            assertTrue(abortLatency < limitNanos, "abort detected after " + abortLatency / 1_000_000 + " ms");
            assertTrue(failLatency < limitNanos, "exit 7 detected after " + failLatency / 1_000_000 + " ms");
            assertTrue(killLatency < limitNanos, "SIGKILL detected after " + killLatency / 1_000_000 + " ms");
        }
    }

    @Test
    void restartBackoffDoublesUntilItsMaximumAndStaysThere() throws Exception {
        try (Monitor monitor = monitor()) {
            RestartPolicy policy = RestartPolicy.onFailure(5, Duration.ofMillis(50), Duration.ofMillis(150));
            UnikernelHandle handle = monitor.launch(shGuest("capped", "exit 1").restartPolicy(policy).build());
            ExitInfo exit = termination(handle);
            assertEquals(5, handle.restarts());
            assertEquals(ExitClassification.FAILURE, exit.classification());
            List<Long> backoffs = hub.records.stream().filter(r -> r.unikernel().equals("capped"))
                    .filter(r -> r.attribute("backoff_ms").isPresent())
                    .map(r -> ((io.umonitor.api.AttributeValue.Int) r.attribute("backoff_ms").get()).value()).toList();
            assertEquals(List.of(50L, 100L, 150L, 150L, 150L), backoffs);
            await(() -> hub.monitorEvents("capped").contains("gave-up"), "gave-up");
        }
    }

    @Test
    void stopEscalatesToKillAfterTheGracePeriod() throws Exception {
        try (Monitor monitor = monitor(b -> b.stopGrace(Duration.ofMillis(300)))) {
            UnikernelHandle handle = monitor.launch(shGuest("stubborn",
                    "trap 'echo ignoring TERM' TERM; echo ready; while :; do sleep 0.05; done").build());
            await(() -> hub.console("stubborn").contains("ready"), "the guest's ready line");
            long start = System.nanoTime();
            ExitInfo exit = handle.stop();
            long tookMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            assertEquals(ExitClassification.STOPPED, exit.classification());
            assertEquals(9, exit.signal());
            assertTrue(tookMillis >= 280, "killed after " + tookMillis + " ms");
            assertEquals(UnikernelState.STOPPED, handle.state());
            assertEquals(exit, handle.stop(), "stop is idempotent");
            assertTrue(hub.monitorEvents("stubborn").containsAll(List.of("stop", "stopped")));
        }
    }

    @Test
    void stopWhileWaitingToRestartEndsAtOnce() throws Exception {
        try (Monitor monitor = monitor()) {
            RestartPolicy slow = RestartPolicy.onFailure(5, Duration.ofSeconds(30), Duration.ofSeconds(30));
            UnikernelHandle handle = monitor.launch(shGuest("waiting", "exit 1").restartPolicy(slow).build());
            await(() -> hub.monitorEvents("waiting").contains("restarting"), "the restart to be scheduled");
            ExitInfo exit = handle.stop(Duration.ofSeconds(5));
            assertEquals(ExitClassification.STOPPED, exit.classification());
            assertEquals(UnikernelState.STOPPED, handle.state());
            assertEquals(0, handle.restarts());
            assertTrue(handle.termination().isDone());
        }
    }

    @Test
    void aLaunchTheBackendRefusesLeavesNothingBehind() throws Exception {
        FakeTapProvisioner taps = new FakeTapProvisioner(eventLog);
        try (Monitor monitor = monitor(b -> b.networkProvisioner(taps))) {
            UnikernelHandle handle = monitor.launch(shGuest("tapped", "true").network(NetworkSpec.tap("service0")).build());
            ExitInfo exit = termination(handle);
            assertEquals(ExitClassification.LAUNCHER_ERROR, exit.classification());
            assertTrue(exit.description().contains("TAP"), exit.description());
            assertEquals(List.of("provision tapped", "release umtfake1"), eventLog);
            assertTrue(taps.live.isEmpty());
            assertTrue(hub.listening.isEmpty(), "collector addresses left: " + hub.listening);
            assertFalse(hub.isRegistered("tapped"));
            assertFalse(monitor.isSenderRegistered("tapped"));
            assertTrue(hub.monitorEvents("tapped").contains("launch-failed"));
        }
    }

    @Test
    void aGuestThatEndsBeforeRunningIsAFailedLaunchWithItsOutput() throws Exception {
        FakeTapProvisioner taps = new FakeTapProvisioner(eventLog);
        try (Monitor monitor = monitor(b -> b.backend(new MarkerBackend()).networkProvisioner(taps))) {
            UnikernelSpec spec = shGuest("broken", "echo 'config: no such device' >&2; exit 2")
                    .backend("marker").network(NetworkSpec.tap("net0")).build();
            LaunchException e = assertThrows(LaunchException.class,
                    () -> monitor.launchAndAwaitRunning(spec, WAIT));
            assertTrue(e.getMessage().contains("exit code 2"), e.getMessage());
            assertTrue(e.getMessage().contains("config: no such device"), e.getMessage());
            UnikernelHandle handle = monitor.find("broken").orElseThrow();
            assertEquals(UnikernelState.EXITED, handle.state());
            assertTrue(taps.live.isEmpty());
            await(() -> !hub.isRegistered("broken"), "the sender to be unregistered");
            assertTrue(hub.listening.isEmpty());
            assertTrue(hub.monitorEvents("broken").contains("launch-failed"));
        }
    }

    @Test
    void launchAndAwaitRunningReturnsOnceRunning() throws Exception {
        try (Monitor monitor = monitor(b -> b.backend(new MarkerBackend()))) {
            UnikernelHandle handle = monitor.launchAndAwaitRunning(
                    shGuest("marked", "echo booting; echo RUNNING; exec sleep 30").backend("marker").build(), WAIT);
            assertEquals(UnikernelState.RUNNING, handle.state());
            assertThrows(ConfigurationException.class, () -> monitor.launch(shGuest("marked", "true").backend("process").build()),
                    "a running name cannot be reused");
            ExitInfo exit = handle.stop(Duration.ofSeconds(5));
            assertEquals(ExitClassification.STOPPED, exit.classification(), "the monitor marks ends after its stop");
            UnikernelHandle again = monitor.launch(shGuest("marked", "true").backend("process").build());
            assertEquals(ExitClassification.NORMAL, termination(again).classification());
        }
    }

    @Test
    void theGuestGetsItsNameTokenAndCollectorsInItsEnvironment() throws Exception {
        try (Monitor monitor = monitor()) {
            List<String> tokens = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                String name = "env" + i;
                UnikernelHandle handle = monitor.launch(shGuest(name,
                        "echo \"$UMONITOR_NAME|$UMONITOR_TOKEN|$UMONITOR_TCP|$UMONITOR_UDP|$EXTRA\"")
                        .environment("EXTRA", "x y").build());
                termination(handle);
                String[] parts = hub.console(name).get(0).split("\\|", -1);
                assertEquals(name, parts[0]);
                assertTrue(parts[1].matches("[0-9a-f]{32}"), parts[1]);
                assertEquals(hub.tokens.get(i), parts[1]);
                assertEquals("127.0.0.1:10001", parts[2]);
                assertEquals("127.0.0.1:10002", parts[3]);
                assertEquals("x y", parts[4]);
                tokens.add(parts[1]);
            }
            assertEquals(3, new HashSet<>(tokens).size());
            assertNotEquals(tokens.get(0), tokens.get(1));
        }
    }

    @Test
    void aRelativeImagePathWorksAlthoughTheGuestStartsInItsRunDirectory() throws Exception {
        Path relative = Path.of("").toAbsolutePath().relativize(SH);
        assertFalse(relative.isAbsolute());
        try (Monitor monitor = monitor()) {
            UnikernelHandle handle = monitor.launch(UnikernelSpec.builder("relative", relative)
                    .argument("-c").argument("pwd").build());
            assertEquals(ExitClassification.NORMAL, termination(handle).classification());
            assertTrue(hub.console("relative").get(0).endsWith("/runs/relative-0"), hub.console("relative").toString());
        }
    }

    @Test
    void launchToRunningAndToTheEndTakeMilliseconds() throws Exception {
        int runs = 20;
        long[] toRunning = new long[runs];
        long[] toEnd = new long[runs];
        try (Monitor monitor = monitor()) {
            for (int i = 0; i < runs; i++) {
                long start = System.nanoTime();
                UnikernelHandle handle = monitor.launchAndAwaitRunning(UnikernelSpec.builder("quick-" + i,
                        Path.of("/bin/true")).build(), WAIT);
                toRunning[i] = System.nanoTime() - start;
                assertEquals(ExitClassification.NORMAL, termination(handle).classification());
                toEnd[i] = System.nanoTime() - start;
            }
        }
        java.util.Arrays.sort(toRunning);
        java.util.Arrays.sort(toEnd);
        System.out.printf("MonitorLifecycleIT: process backend, /bin/true x %d: launch->RUNNING median %.2f ms, "
                + "launch->EXITED median %.2f ms (max %.2f ms)%n", runs, toRunning[runs / 2] / 1e6, toEnd[runs / 2] / 1e6,
                toEnd[runs - 1] / 1e6);
        assertTrue(toEnd[runs / 2] < TimeUnit.SECONDS.toNanos(5), "a trivial guest should not take seconds");
    }

    @Test
    void providerSettingsReachTheBackendWithoutPrefix() throws Exception {
        try (Monitor monitor = monitor(b -> b.property("process.maxLineBytes", "10"))) {
            UnikernelHandle handle = monitor.launch(shGuest("narrow", "echo 0123456789abcdefghij").build());
            termination(handle);
            assertEquals(List.of("0123456789", "abcdefghij"), hub.console("narrow"));
        }
    }

    @Test
    void closeStopsGuestsThenReleasesNetworksThenClosesLogging() throws Exception {
        FakeTapProvisioner taps = new FakeTapProvisioner(eventLog);
        Monitor monitor = monitor(b -> b.backend(new MarkerBackend()).networkProvisioner(taps)
                .stopGrace(Duration.ofMillis(500)));
        monitor.addLifecycleListener(e -> {
            if (e.state() == UnikernelState.STOPPED) {
                eventLog.add("stopped " + e.unikernel());
            }
        });
        List<UnikernelHandle> handles = new ArrayList<>();
        for (String name : List.of("a", "b")) {
            handles.add(monitor.launchAndAwaitRunning(shGuest(name, "trap '' TERM; echo RUNNING; exec sleep 30")
                    .backend("marker").network(NetworkSpec.tap("net0")).build(), WAIT));
        }
        monitor.close();
        monitor.close();
        for (UnikernelHandle h : handles) {
            assertTrue(h.termination().isDone());
            assertEquals(UnikernelState.STOPPED, h.state());
            assertEquals(ExitClassification.STOPPED, h.exitInfo().orElseThrow().classification());
        }
        assertTrue(taps.live.isEmpty());
        assertEquals("hub closed", eventLog.get(eventLog.size() - 1), eventLog.toString());
        assertTrue(eventLog.containsAll(List.of("stopped a", "stopped b", "release umtfake1", "release umtfake2")),
                eventLog.toString());
        assertTrue(eventLog.indexOf("release umtfake1") < eventLog.indexOf("hub closed"));
        LaunchException refused = assertThrows(LaunchException.class, () -> monitor.launch(shGuest("late", "true").build()));
        assertTrue(refused.getMessage().contains("closing"), refused.getMessage());
        assertFalse(Files.exists(monitor.workDirectory()), "the temporary work directory is removed");
    }
}
