package io.umonitor.solo5;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.umonitor.api.AttributeValue;
import io.umonitor.api.ExitClassification;
import io.umonitor.api.ExitInfo;
import io.umonitor.api.LogFilter;
import io.umonitor.api.LogOrigin;
import io.umonitor.api.LogRecord;
import io.umonitor.api.UnikernelHandle;
import io.umonitor.api.UnikernelSpec;
import io.umonitor.api.UnikernelState;
import io.umonitor.core.Monitor;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Solo5 unikernels through the {@link Monitor}: Solo5's test_hello and the test guest (umt_guest, built
 * here with the Solo5 toolchain) on spt, and the FPU-free guest on hvt. Console lines in the protocol's
 * console encoding must arrive as structured records attributed to the unikernel.
 */
class Solo5MonitorIT {

    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    @TempDir
    Path dir;

    private Monitor monitor;

    @BeforeEach
    void startMonitor() {
        Optional<Path> home = Solo5TestKernels.home();
        org.junit.jupiter.api.Assumptions.assumeTrue(home.isPresent(), "no Solo5 build: " + Solo5TestKernels.HOW);
        monitor = Monitor.builder().discoverProviders(false).backend(new Solo5Backend())
                .property("solo5.home", home.get().toString())
                .stateDirectory(dir.resolve("state")).workDirectory(dir.resolve("work")).build();
    }

    @AfterEach
    void closeMonitor() {
        if (monitor != null) {
            monitor.close();
        }
    }

    private ExitInfo runToEnd(UnikernelSpec spec) throws Exception {
        UnikernelHandle handle = monitor.launch(spec);
        ExitInfo exit = handle.termination().get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        System.out.println("[" + spec.name() + "] " + exit.classification() + " exit=" + exit.exitCode() + " "
                + exit.description());
        monitor.logs(spec.name(), LogFilter.ALL).forEach(r -> System.out.println("[" + spec.name() + "] "
                + r.origin() + " " + r.level() + " " + r.logger() + " | " + r.message() + " " + r.attributes()));
        return exit;
    }

    private List<LogRecord> logs(String name) {
        return monitor.logs(name, LogFilter.ALL);
    }

    @Test
    void helloOnSpt() throws Exception {
        Path kernel = Solo5TestKernels.requireKernel("test_hello", Tender.SPT);
        ExitInfo exit = runToEnd(UnikernelSpec.builder("m-hello", kernel).backend("solo5").build());
        assertEquals(ExitClassification.NORMAL, exit.classification());
        assertTrue(logs("m-hello").stream().anyMatch(r -> r.origin() == LogOrigin.CONSOLE
                && r.message().equals("Hello, World")), logs("m-hello").toString());
        assertTrue(logs("m-hello").stream().anyMatch(r -> r.origin() == LogOrigin.MONITOR), logs("m-hello").toString());
    }

    @Test
    void consoleEncodedRecordsArriveStructuredOnSpt() throws Exception {
        consoleRecords(Tender.SPT);
    }

    @Test
    void consoleEncodedRecordsArriveStructuredOnHvt() throws Exception {
        Solo5TestKernels.requireKernel("test_hello", Tender.HVT);
        consoleRecords(Tender.HVT);
    }

    private void consoleRecords(Tender tender) throws Exception {
        Solo5TestKernels.requireKernel("test_hello", tender);
        String name = "m-records-" + tender.target();
        ExitInfo exit = runToEnd(UnikernelSpec.builder(name, TestGuest.withoutNetwork(tender)).backend("solo5").build());
        assertEquals(ExitClassification.NORMAL, exit.classification());
        LogRecord disk = logs(name).stream().filter(r -> r.message().equals("disk almost full")).findFirst()
                .orElseThrow(() -> new AssertionError("no structured record in " + logs(name)));
        assertEquals(name, disk.unikernel());
        assertEquals(LogOrigin.CONSOLE, disk.origin());
        assertEquals(io.umonitor.api.LogLevel.WARN, disk.level());
        assertEquals("umt_guest.disk", disk.logger());
        assertEquals(1, disk.sequence());
        assertEquals(Optional.of(AttributeValue.of(12)), disk.attribute("free.mb"));
        assertTrue(logs(name).stream().noneMatch(r -> r.message().startsWith("@UM1:")),
                "every encoded line decoded: " + logs(name));
        for (var expected : TestGuest.RECORDS) {
            assertTrue(logs(name).stream().anyMatch(r -> r.message().equals(expected.message())
                    && r.level() == expected.level()), expected.message());
        }
    }

    @Test
    void exitCodeAbortAndStop() throws Exception {
        Solo5TestKernels.requireKernel("test_hello", Tender.SPT);
        Path guest = TestGuest.withoutNetwork(Tender.SPT);
        ExitInfo seven = runToEnd(UnikernelSpec.builder("m-exit7", guest).backend("solo5").argument("exit=7").build());
        assertEquals(ExitClassification.FAILURE, seven.classification());
        assertEquals(7, seven.exitCode());
        assertEquals("solo5_exit(7) called", seven.description());

        ExitInfo abort = runToEnd(UnikernelSpec.builder("m-abort", guest).backend("solo5").argument("abort").build());
        assertEquals(ExitClassification.CRASH, abort.classification());
        assertEquals(255, abort.exitCode());

        UnikernelHandle waiting = monitor.launchAndAwaitRunning(UnikernelSpec.builder("m-stop", guest).backend("solo5")
                .argument("serve").build(), TIMEOUT);
        assertEquals(UnikernelState.RUNNING, waiting.state());
        ExitInfo stopped = waiting.stop(Duration.ofSeconds(5));
        System.out.println("[m-stop] " + stopped);
        assertEquals(ExitClassification.STOPPED, stopped.classification());
    }
}
