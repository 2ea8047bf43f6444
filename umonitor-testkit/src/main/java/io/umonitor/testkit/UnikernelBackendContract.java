package io.umonitor.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.umonitor.api.ConfigurationException;
import io.umonitor.api.ExitClassification;
import io.umonitor.api.ExitInfo;
import io.umonitor.api.UmonitorException;
import io.umonitor.api.UnikernelSpec;
import io.umonitor.api.Availability;
import io.umonitor.api.CollectorEndpoint;
import io.umonitor.api.spi.LaunchRequest;
import io.umonitor.api.spi.LaunchedUnikernel;
import io.umonitor.api.spi.ProviderContext;
import io.umonitor.api.spi.UnikernelBackend;
import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What every {@link UnikernelBackend} must do, as tests: extend this class, say how to build the few
 * guests the suite needs, and the suite launches them through the SPI exactly as the monitor does.
 *
 * <pre>{@code
 * class MyBackendContractIT extends UnikernelBackendContract {
 *     protected UnikernelBackend createBackend() { return new MyBackend(); }
 *     protected UnikernelSpec.Builder guestThatPrintsAndExits(String name, String line, int code) { ... }
 *     protected UnikernelSpec.Builder guestThatCrashes(String name) { ... }
 *     protected UnikernelSpec.Builder guestThatRunsUntilStopped(String name, String line) { ... }
 *     protected UnikernelSpec.Builder guestThatPrintsItsParameters(String name) { ... }
 * }
 * }</pre>
 *
 * <p>Each test gets a new backend, initialised with {@link #settings()} in a fresh state and work
 * directory, and real loopback collector sockets (a TCP and a UDP one, bound to free ports) whose
 * addresses go into the launch request. Where {@link UnikernelBackend#availability()} says the backend
 * cannot run here, every test is skipped with the backend's reason; a spec factory may also skip (JUnit
 * {@code assumeTrue}) when it cannot build its guest here, saying why.
 *
 * @since 0.2
 */
public abstract class UnikernelBackendContract {

    /** A directory for the test's files; each launch gets its own run directory below it. */
    @TempDir
    protected Path testDirectory;

    private UnikernelBackend backend;
    private final List<LaunchedUnikernel> launched = new ArrayList<>();
    private ServerSocket tcpCollector;
    private DatagramSocket udpCollector;
    private int launches;

    // ---- what the subclass supplies -------------------------------------------------------------

    /** A new, uninitialised backend (the suite calls {@code initialize} with {@link #settings()}). */
    protected abstract UnikernelBackend createBackend();

    /**
     * A guest that prints a console line containing {@code line}, then ends by itself with exit code
     * {@code exitCode} (0, or a small code such as 3) as the backend reports it.
     */
    protected abstract UnikernelSpec.Builder guestThatPrintsAndExits(String name, String line, int exitCode);

    /** A guest that crashes by itself (a fault, an abort, a panic), which the backend must call a crash. */
    protected abstract UnikernelSpec.Builder guestThatCrashes(String name);

    /** A guest that prints a console line containing {@code line}, then runs until it is stopped. */
    protected abstract UnikernelSpec.Builder guestThatRunsUntilStopped(String name, String line);

    /**
     * A guest that prints, on its console, what the backend passed it: its name, its token and its
     * collector addresses (in whatever form the backend passes them: environment, boot arguments, ...),
     * then ends.
     */
    protected abstract UnikernelSpec.Builder guestThatPrintsItsParameters(String name);

    /**
     * A guest that prints a console line containing {@code line}, then ignores the backend's graceful
     * stop (e.g. a program that ignores SIGTERM, a kernel without an ACPI power button), so the backend
     * must end it by force after the grace period. Empty (the default) skips that test; override where
     * the backend's graceful stop can be ignored.
     */
    protected Optional<UnikernelSpec.Builder> guestThatIgnoresGracefulStop(String name, String line) {
        return Optional.empty();
    }

    /**
     * Settings under which the backend cannot run here, such as the path of a tool that does not exist,
     * to check that {@link UnikernelBackend#availability()} then says why. Empty (the default) skips that
     * test; override where a setting can make the backend unusable.
     */
    protected Optional<Map<String, String>> settingsThatMakeItUnusable() {
        return Optional.empty();
    }

    /**
     * A guest whose launch fails after the backend has started its tender or VMM (e.g. QEMU given a machine
     * type it does not know), to check that the failure says why and no process is left. Empty (the
     * default) skips that test; override where such a failure can be provoked.
     */
    protected Optional<UnikernelSpec.Builder> guestWhoseLaunchFailsAfterStarting(String name) {
        return Optional.empty();
    }

    /** Monitor settings for the backend, keys without its {@code ID.} prefix. Default: none. */
    protected Map<String, String> settings() {
        return Map.of();
    }

    /**
     * The texts that must appear on the console of {@link #guestThatPrintsItsParameters} for the
     * collectors offered. Default: {@code :PORT} of each loopback collector (a VM may be told another host
     * address that reaches the host's loopback, such as QEMU's 10.0.2.2). A backend whose guests cannot
     * reach loopback without a network device returns what it passes instead, and says why.
     */
    protected List<String> expectedCollectorTexts(List<CollectorEndpoint> offered) {
        return offered.stream().filter(c -> c.networkDevice() == null).map(c -> ":" + c.address().getPort()).toList();
    }

    /** How long a guest may take to boot and end. Default 60 s (VMs under TCG on a busy machine). */
    protected Duration timeout() {
        return Duration.ofSeconds(60);
    }

    /** The grace period the stop tests give. Default 3 s. */
    protected Duration stopGrace() {
        return Duration.ofSeconds(3);
    }

    // ---- the suite's own machinery --------------------------------------------------------------

    @BeforeEach
    final void createAndInitialiseBackend() throws IOException {
        UnikernelBackend candidate = createBackend();
        Availability availability = candidate.availability();
        assumeTrue(availability.isUsable(), () -> "backend '" + candidate.id() + "' cannot run here: "
                + availability.reason());
        Path state = Files.createDirectories(testDirectory.resolve("state"));
        Path work = Files.createDirectories(testDirectory.resolve("work"));
        candidate.initialize(new ProviderContext(settings(), state, work));
        backend = candidate;
        InetAddress loopback = InetAddress.getLoopbackAddress();
        tcpCollector = new ServerSocket(0, 50, loopback);
        udpCollector = new DatagramSocket(new InetSocketAddress(loopback, 0));
    }

    @AfterEach
    final void killWhatIsLeft() throws Exception {
        try {
            for (LaunchedUnikernel guest : launched) {
                guest.kill();
            }
            for (LaunchedUnikernel guest : launched) {
                awaitExit(guest);
            }
            if (backend != null) { // null when the backend was unusable and the test skipped
                backend.close();
            }
        } finally {
            if (tcpCollector != null) {
                tcpCollector.close();
            }
            if (udpCollector != null) {
                udpCollector.close();
            }
        }
    }

    /** The initialised backend under test. */
    protected final UnikernelBackend backend() {
        return backend;
    }

    /** The collectors every launch request of this test offers: TCP and UDP on loopback. */
    protected final List<CollectorEndpoint> collectors() {
        return List.of(
                new CollectorEndpoint(CollectorEndpoint.Transport.TCP,
                        new InetSocketAddress(tcpCollector.getInetAddress(), tcpCollector.getLocalPort()), null),
                new CollectorEndpoint(CollectorEndpoint.Transport.UDP,
                        new InetSocketAddress(udpCollector.getLocalAddress(), udpCollector.getLocalPort()), null));
    }

    /** A request as the monitor makes it: a fresh 128-bit token, this test's collectors, a new run directory. */
    protected final LaunchRequest request(UnikernelSpec spec, RecordingGuestOutput output) throws IOException {
        Path run = Files.createDirectories(testDirectory.resolve("run-" + (++launches) + "-" + spec.name()));
        return new LaunchRequest(spec, newToken(), List.of(), collectors(), output, run);
    }

    /** Launches through the backend and remembers the guest so that it is killed after the test. */
    protected final LaunchedUnikernel launch(LaunchRequest request) {
        LaunchedUnikernel guest = backend.launch(request);
        launched.add(guest);
        return guest;
    }

    /** Waits for the guest's exit within {@link #timeout()}. */
    protected final ExitInfo awaitExit(LaunchedUnikernel guest) throws InterruptedException {
        try {
            return guest.exit().get(timeout().toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            throw new AssertionError("exit() completed exceptionally, which the SPI forbids", e.getCause());
        } catch (TimeoutException e) {
            throw new AssertionError("the guest did not end within " + timeout());
        }
    }

    private static String newToken() {
        byte[] bytes = new byte[16];
        new SecureRandom().nextBytes(bytes);
        return HexFormat.of().formatHex(bytes);
    }

    private static String unique(String prefix) {
        byte[] bytes = new byte[3];
        new SecureRandom().nextBytes(bytes);
        return prefix + "-" + HexFormat.of().formatHex(bytes);
    }

    private String id() {
        return backend.id();
    }

    // ---- the contract -------------------------------------------------------------------------

    @Test
    void theIdIsStableLowerCaseAndAvailabilityIsConsistent() {
        assertTrue(id().matches("[a-z][a-z0-9-]*"), "id '" + id() + "' must be lower-case letters, digits and '-'");
        assertEquals(id(), createBackend().id(), "a new instance has the same id");
        Availability again = backend.availability();
        assertTrue(again.isUsable(), "availability changed after initialize: " + again.reason());
    }

    @Test
    void anUnusableBackendSaysWhyAndRefusesToLaunch() throws IOException {
        Optional<Map<String, String>> broken = settingsThatMakeItUnusable();
        assumeTrue(broken.isPresent(), () -> "backend '" + id() + "': the test gives no settings that make it "
                + "unusable (settingsThatMakeItUnusable)");
        UnikernelBackend fresh = createBackend();
        Path dir = Files.createDirectories(testDirectory.resolve("unusable"));
        fresh.initialize(new ProviderContext(broken.get(), dir, dir));
        Availability availability = fresh.availability();
        assertFalse(availability.isUsable(), "settings " + broken.get() + " should make it unusable");
        String reason = availability.reason();
        assertTrue(reason.length() >= 20 && reason.contains(" "), "the reason is a sentence: '" + reason + "'");
        assertTrue(reason.contains(":") || reason.contains("install") || reason.contains("set "),
                "the reason says how to fix it: '" + reason + "'");
        UnikernelSpec spec = guestThatPrintsAndExits(unique("unusable"), "never", 0).build();
        UmonitorException e = assertThrows(UmonitorException.class,
                () -> fresh.launch(request(spec, new RecordingGuestOutput())));
        assertFalse(e.getMessage().isBlank());
    }

    @Test
    void anUnknownSettingIsRefusedAtInitializeNamingIt() throws IOException {
        UnikernelBackend fresh = createBackend();
        Map<String, String> settings = new java.util.HashMap<>(settings());
        settings.put("no-such-setting", "1");
        Path dir = Files.createDirectories(testDirectory.resolve("unknown-setting"));
        ConfigurationException e = assertThrows(ConfigurationException.class,
                () -> fresh.initialize(new ProviderContext(settings, dir, dir)));
        assertTrue(e.getMessage().contains("no-such-setting"), e.getMessage());
    }

    @Test
    void aGuestThatExitsZeroRunsThenEndsNormallyWithItsConsoleLines() throws Exception {
        String marker = unique("contract-hello");
        RecordingGuestOutput output = new RecordingGuestOutput();
        LaunchedUnikernel guest = launch(request(guestThatPrintsAndExits(unique("exit0"), marker, 0).build(), output));
        long[] endedAt = {0};
        CompletableFuture<ExitInfo> exit = guest.exit().whenComplete((x, e) -> endedAt[0] = System.nanoTime());
        ExitInfo info = awaitExit(guest);
        exit.join();

        assertEquals(ExitClassification.NORMAL, info.classification(), info + "\n" + output.all());
        assertEquals(0, info.exitCode(), info.toString());
        assertFalse(info.description().isBlank(), "the exit describes itself");
        assertTrue(output.hasLineContaining(marker), "the console line arrived before exit() completed:\n"
                + output.all());
        assertEquals(1, output.runningCalls(), "running() reported once:\n" + output.all());
        assertTrue(output.runningAtNanos() <= endedAt[0], "running() came before the exit");
    }

    @Test
    void aGuestThatExitsWithCodeThreeIsAFailureWithCodeThree() throws Exception {
        String marker = unique("contract-three");
        RecordingGuestOutput output = new RecordingGuestOutput();
        LaunchedUnikernel guest = launch(request(guestThatPrintsAndExits(unique("exit3"), marker, 3).build(), output));
        ExitInfo info = awaitExit(guest);

        assertEquals(ExitClassification.FAILURE, info.classification(), info + "\n" + output.all());
        assertEquals(3, info.exitCode(), info.toString());
        assertTrue(info.isFailure());
        assertTrue(output.hasLineContaining(marker), output.all());
        assertEquals(1, output.runningCalls(), output.all());
    }

    @Test
    void aGuestThatCrashesIsClassifiedAsACrash() throws Exception {
        RecordingGuestOutput output = new RecordingGuestOutput();
        LaunchedUnikernel guest = launch(request(guestThatCrashes(unique("crash")).build(), output));
        ExitInfo info = awaitExit(guest);
        assertEquals(ExitClassification.CRASH, info.classification(), info + "\n" + output.all());
        assertTrue(info.isFailure(), "a crash counts as a failure for restart policies");
    }

    @Test
    void theGuestGetsItsNameTokenAndCollectorAddresses() throws Exception {
        String name = unique("params");
        RecordingGuestOutput output = new RecordingGuestOutput();
        LaunchRequest request = request(guestThatPrintsItsParameters(name).build(), output);
        LaunchedUnikernel guest = launch(request);
        ExitInfo info = awaitExit(guest);
        String console = String.join("\n", output.texts());

        assertTrue(console.contains(name), "the name on the console:\n" + output.all());
        assertTrue(console.contains(request.token()), "the token on the console:\n" + output.all());
        for (String text : expectedCollectorTexts(request.collectors())) {
            assertTrue(console.contains(text), "collector '" + text + "' on the console:\n" + output.all());
        }
        assertFalse(info.classification() == ExitClassification.LAUNCHER_ERROR, info.toString());
        for (Map.Entry<String, String> detail : guest.details().entrySet()) {
            assertFalse(detail.getValue().contains(request.token()),
                    "details() are shown to operators and must not hold the token: " + detail);
        }
    }

    @Test
    void stopEndsARunningGuestAsStoppedAndStopAndKillAreIdempotent() throws Exception {
        String marker = unique("contract-ready");
        RecordingGuestOutput output = new RecordingGuestOutput();
        LaunchedUnikernel guest = launch(request(guestThatRunsUntilStopped(unique("stop"), marker).build(), output));
        output.awaitLineContaining(marker, timeout());
        assertFalse(guest.exit().isDone(), "the guest runs until stopped");
        CompletableFuture<ExitInfo> exit = guest.exit();

        guest.stop(stopGrace());
        guest.stop(stopGrace());
        ExitInfo info = awaitExit(guest);
        assertEquals(ExitClassification.STOPPED, info.classification(), info + "\n" + output.all());
        assertFalse(info.isFailure(), "a requested stop is no failure");

        guest.stop(stopGrace());
        guest.kill();
        guest.kill();
        assertSame(exit, guest.exit(), "exit() is one future");
        assertEquals(info, guest.exit().join(), "the exit stays as it was");
        guest.pid().ifPresent(pid -> Await.processGone(pid, timeout()));
    }

    @Test
    void aGuestThatIgnoresTheGracefulStopIsKilledAfterTheGracePeriod() throws Exception {
        String marker = unique("contract-stubborn");
        Optional<UnikernelSpec.Builder> spec = guestThatIgnoresGracefulStop(unique("stubborn"), marker);
        assumeTrue(spec.isPresent(), () -> "backend '" + id() + "': the test gives no guest that can ignore a "
                + "graceful stop (guestThatIgnoresGracefulStop)");
        RecordingGuestOutput output = new RecordingGuestOutput();
        LaunchedUnikernel guest = launch(request(spec.get().build(), output));
        output.awaitLineContaining(marker, timeout());
        Duration grace = stopGrace();
        long stoppedAt = System.nanoTime();
        guest.stop(grace);

        // Half the grace period with nothing to wait for: the point is that the guest is not killed early.
        try {
            ExitInfo early = guest.exit().get(grace.toMillis() / 2, TimeUnit.MILLISECONDS);
            fail("the guest was ended " + (System.nanoTime() - stoppedAt) / 1_000_000 + " ms after stop(" + grace
                    + "), before the grace period was over: " + early);
        } catch (TimeoutException expected) {
            // still running, as it should be
        }
        ExitInfo info = awaitExit(guest);
        long tookMillis = (System.nanoTime() - stoppedAt) / 1_000_000;
        assertEquals(ExitClassification.STOPPED, info.classification(), info + "\n" + output.all());
        assertTrue(tookMillis >= grace.toMillis() / 2, "ended after " + tookMillis + " ms");
    }

    @Test
    void threeConcurrentLaunchesEachEndWithTheirOwnCode() throws Exception {
        List<Thread> threads = new ArrayList<>();
        List<LaunchedUnikernel> guests = new java.util.concurrent.CopyOnWriteArrayList<>(
                java.util.Collections.nCopies(3, null));
        List<Throwable> failures = new java.util.concurrent.CopyOnWriteArrayList<>();
        List<LaunchRequest> requests = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            requests.add(request(guestThatPrintsAndExits(unique("many" + i), "contract-many-" + i, i + 1).build(),
                    new RecordingGuestOutput()));
        }
        for (int i = 0; i < 3; i++) {
            int index = i;
            Thread t = new Thread(() -> {
                try {
                    guests.set(index, launch(requests.get(index)));
                } catch (Throwable e) {
                    failures.add(e);
                }
            }, "contract-launch-" + i);
            threads.add(t);
            t.start();
        }
        for (Thread t : threads) {
            t.join(timeout().toMillis());
        }
        assertEquals(List.of(), failures, "launches from three threads at once");
        for (int i = 0; i < 3; i++) {
            ExitInfo info = awaitExit(guests.get(i));
            assertEquals(i + 1, info.exitCode(), "guest " + i + ": " + info + "\n"
                    + ((RecordingGuestOutput) requests.get(i).output()).all());
        }
    }

    @Test
    void aFailedLaunchSaysWhyAndLeavesNothingRunning() throws Exception {
        Path missing = testDirectory.resolve("no-such-image-" + unique("x"));
        UnikernelSpec spec = guestThatPrintsAndExits(unique("nolaunch"), "never", 0).image(missing).build();
        Set<Long> before = childPids();
        RecordingGuestOutput output = new RecordingGuestOutput();
        UmonitorException e = assertThrows(UmonitorException.class, () -> launch(request(spec, output)),
                "a launch of a missing image must throw LaunchException or ConfigurationException");
        assertTrue(e.getMessage().contains(missing.getFileName().toString()) || e.getMessage().contains(spec.name()),
                "the message names the image or the unikernel: " + e.getMessage());
        Await.until("no process left behind by the failed launch", timeout(),
                () -> !childPids().stream().anyMatch(pid -> !before.contains(pid)));
        assertEquals(0, output.runningCalls(), "a guest that never started never ran");
    }

    @Test
    void aLaunchThatFailsAfterStartingTheVmmSaysWhyAndLeavesNothingRunning() throws Exception {
        Optional<UnikernelSpec.Builder> spec = guestWhoseLaunchFailsAfterStarting(unique("vmmfail"));
        assumeTrue(spec.isPresent(), () -> "backend '" + id() + "': the test gives no launch that fails after "
                + "starting (guestWhoseLaunchFailsAfterStarting)");
        Set<Long> before = childPids();
        RecordingGuestOutput output = new RecordingGuestOutput();
        LaunchRequest request = request(spec.get().build(), output);
        long started = System.nanoTime();
        LaunchedUnikernel guest;
        try {
            guest = launch(request);
        } catch (UmonitorException e) {
            assertFalse(e.getMessage().isBlank());
            assertTrue(e.getMessage().contains(request.spec().name()), "the message names the unikernel: " + e.getMessage());
            assertFalse(e.getMessage().contains(request.token()), "the token is a secret: " + e.getMessage());
            guest = null;
        }
        if (guest != null) {
            // A backend may also report the failure as the guest's end, as a launcher error.
            ExitInfo info = awaitExit(guest);
            assertEquals(ExitClassification.LAUNCHER_ERROR, info.classification(), info + "\n" + output.all());
        }
        Await.until("no process left behind by the failed launch", timeout(),
                () -> !childPids().stream().anyMatch(pid -> !before.contains(pid)));
        assertTrue(System.nanoTime() - started < timeout().toNanos(), "the failure came within " + timeout());
    }

    private static Set<Long> childPids() {
        return ProcessHandle.current().descendants().filter(ProcessHandle::isAlive).map(ProcessHandle::pid)
                .collect(Collectors.toSet());
    }
}
