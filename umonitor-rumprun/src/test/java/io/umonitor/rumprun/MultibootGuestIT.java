package io.umonitor.rumprun;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.umonitor.api.AttributeValue;
import io.umonitor.api.ExitClassification;
import io.umonitor.api.ExitInfo;
import io.umonitor.api.LaunchException;
import io.umonitor.api.LogLevel;
import io.umonitor.api.UnikernelSpec;
import io.umonitor.api.spi.GuestOutput;
import io.umonitor.api.spi.LaunchRequest;
import io.umonitor.api.spi.LaunchedUnikernel;
import io.umonitor.protocol.ConsoleDecoder;
import io.umonitor.protocol.Frame;
import io.umonitor.protocol.Goodbye;
import io.umonitor.protocol.Hello;
import io.umonitor.protocol.RecordFrame;
import io.umonitor.testkit.Await;
import io.umonitor.testkit.RecordingGuestOutput;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The freestanding multiboot guest (src/test/guest/multiboot) under real QEMU with TCG, through the
 * backend: console records, exit codes through isa-debug-exit and rumprun's markers, panic, halt
 * without power-off, and stop.
 */
class MultibootGuestIT {

    private static final String TOKEN = "0123456789abcdef0123456789abcdef";
    private static Path guest;

    @TempDir
    Path runDirectory;

    @BeforeAll
    static void buildGuest() throws Exception {
        GuestBuilds.assumeQemu();
        guest = GuestBuilds.multibootGuest();
    }

    private LaunchedUnikernel launch(String name, RecordingGuestOutput output, String append, String... options) {
        UnikernelSpec.Builder spec = UnikernelSpec.builder(name, guest).option("qemu.accel", "tcg")
                .option("qemu.append", append);
        for (int i = 0; i < options.length; i += 2) {
            spec.option(options[i], options[i + 1]);
        }
        QemuBackend backend = new QemuBackend();
        return backend.launch(new LaunchRequest(spec.build(), TOKEN, List.of(), List.of(), output, runDirectory));
    }

    private static ExitInfo awaitExit(LaunchedUnikernel guest) throws Exception {
        return guest.exit().get(30, TimeUnit.SECONDS);
    }

    @Test
    void recordsArriveStructuredAndTheDebugExitCodeIsReported() throws Exception {
        RecordingGuestOutput output = new RecordingGuestOutput();
        LaunchedUnikernel vm = launch("mb-exit", output, "test.end=exit test.code=5 test.records=3");
        ExitInfo exit = awaitExit(vm);

        assertEquals(5, exit.exitCode(), output.all());
        assertEquals(ExitClassification.FAILURE, exit.classification());
        assertTrue(exit.description().contains("isa-debug-exit"), exit.description());
        assertEquals(1, output.runningCalls(), "running reported once");

        List<String> serial = output.lines(GuestOutput.Stream.SERIAL);
        assertTrue(serial.stream().anyMatch(l -> l.startsWith("mbguest: cmdline") && l.contains("umonitor.name=mb-exit")),
                "umonitor words on the command line:\n" + output.all());
        assertFalse(output.all().contains(TOKEN), "the token is neither on the command line nor printed:\n" + output.all());
        assertTrue(serial.contains("mbguest: plain console line between records"), output.all());

        ConsoleDecoder decoder = new ConsoleDecoder();
        List<Frame> frames = new ArrayList<>();
        for (String line : serial) {
            decoder.decodeLine(line).ifPresent(frames::add);
        }
        assertEquals(5, frames.size(), "HELLO, 3 RECORDs, GOODBYE:\n" + output.all());
        Hello hello = assertInstanceOf(Hello.class, frames.get(0));
        assertEquals("mb-exit", hello.name());
        for (int i = 0; i < 3; i++) {
            RecordFrame record = assertInstanceOf(RecordFrame.class, frames.get(1 + i));
            assertEquals(i, record.sequence());
            assertEquals("record " + i + " from the multiboot guest", record.message());
            assertEquals(i == 2 ? LogLevel.WARN : LogLevel.INFO, record.level());
            assertEquals("function", record.attributes().get(0).key());
            assertEquals(new AttributeValue.Int(3), record.attributes().get(1).value());
        }
        assertEquals(3, assertInstanceOf(Goodbye.class, frames.get(4)).produced());
    }

    @Test
    void withTokenOnCommandLineAnOlderGuestFindsItThereAndTheLogSaysWhoCanReadIt() throws Exception {
        RecordingGuestOutput output = new RecordingGuestOutput();
        ExitInfo exit = awaitExit(launch("mb-legacy", output, "test.end=exit test.code=0 test.records=1",
                "qemu.tokenOnCommandLine", "true"));
        assertEquals(ExitClassification.NORMAL, exit.classification(), output.all());
        assertTrue(output.lines(GuestOutput.Stream.SERIAL).stream().anyMatch(l -> l.startsWith("mbguest: cmdline")
                && l.contains("umonitor.token=" + TOKEN)), "the token is on -append again:\n" + output.all());
        assertTrue(output.notes().stream().anyMatch(n -> n.contains("qemu.tokenOnCommandLine=true")
                && n.contains("every local user reads it in ps")), output.notes().toString());
    }

    @Test
    void exitCodeZeroIsNormal() throws Exception {
        ExitInfo exit = awaitExit(launch("mb-zero", new RecordingGuestOutput(), "test.end=exit test.code=0 test.records=1"));
        assertEquals(0, exit.exitCode());
        assertEquals(ExitClassification.NORMAL, exit.classification());
    }

    @Test
    void aGuestThatHaltsWithoutPoweringOffIsStoppedAndReportedWithItsConsoleCode() throws Exception {
        RecordingGuestOutput output = new RecordingGuestOutput();
        long started = System.nanoTime();
        LaunchedUnikernel vm = launch("mb-halt", output, "test.end=halt test.code=3", "qemu.flavour", "rumprun");
        ExitInfo exit = awaitExit(vm);
        Duration took = Duration.ofNanos(System.nanoTime() - started);

        assertEquals(3, exit.exitCode(), output.all());
        assertEquals(ExitClassification.FAILURE, exit.classification());
        assertTrue(exit.description().contains("halted"), exit.description());
        assertTrue(output.lines(GuestOutput.Stream.SERIAL).contains("halted"));
        assertEquals(1, output.runningCalls());
        assertFalse(ProcessHandle.of(vm.pid().orElseThrow()).map(ProcessHandle::isAlive).orElse(false),
                "QEMU is gone");
        assertTrue(took.compareTo(Duration.ofSeconds(10)) < 0, "stopped promptly after 'halted', took " + took);
    }

    @Test
    void rumprunFlavourWithoutDebugExitReadsMainReturnedAndStopsAfterHalted() throws Exception {
        RecordingGuestOutput output = new RecordingGuestOutput();
        ExitInfo exit = awaitExit(launch("mb-rr", output, "test.end=exit test.code=0", "qemu.flavour", "rumprun"));
        assertEquals(ExitClassification.NORMAL, exit.classification(), output.all());
        assertEquals(0, exit.exitCode());
        assertTrue(exit.description().contains("returned 0"), exit.description());
    }

    @Test
    void unikraftExitCodesAtItsOwnPort() throws Exception {
        RecordingGuestOutput output = new RecordingGuestOutput();
        ExitInfo halt = awaitExit(launch("uk-halt", output, "test.end=exit test.code=41 test.port=1281",
                "qemu.flavour", "unikraft"));
        assertEquals(ExitClassification.NORMAL, halt.classification(), output.all());
        assertTrue(halt.description().contains("Unikraft halted"), halt.description());
        assertTrue(output.lines(GuestOutput.Stream.SERIAL).stream().anyMatch(l -> l.startsWith("mbguest: cmdline") && l.contains("umonitor.name=uk-halt")),
                output.all());
        ExitInfo crash = awaitExit(launch("uk-crash", new RecordingGuestOutput(), "test.end=exit test.code=42 test.port=1281",
                "qemu.flavour", "unikraft"));
        assertEquals(ExitClassification.CRASH, crash.classification());
    }

    @Test
    void panicIsACrash() throws Exception {
        RecordingGuestOutput output = new RecordingGuestOutput();
        ExitInfo exit = awaitExit(launch("mb-panic", output, "test.end=panic", "qemu.flavour", "rumprun"));
        assertEquals(ExitClassification.CRASH, exit.classification(), output.all());
        assertTrue(exit.description().contains("test panic requested"), exit.description());
    }

    @Test
    void stopEndsAGuestThatIgnoresThePowerButton() throws Exception {
        RecordingGuestOutput output = new RecordingGuestOutput();
        LaunchedUnikernel vm = launch("mb-hang", output, "test.end=hang");
        assertTrue(Await.within(Duration.ofSeconds(20),
                () -> output.lines(GuestOutput.Stream.SERIAL).contains("mbguest: waiting to be stopped")), output.all());
        assertFalse(vm.exit().isDone());
        vm.stop(Duration.ofMillis(500));
        vm.stop(Duration.ofMillis(500));
        ExitInfo exit = awaitExit(vm);
        assertEquals(ExitClassification.STOPPED, exit.classification(), output.all());
        assertTrue(vm.details().get("command").contains("-accel tcg"), vm.details().toString());
        assertFalse(vm.details().get("command").contains(TOKEN), "the token is a secret: " + vm.details());
    }

    @Test
    void gdbWaitHoldsTheCpuUntilADebuggerContinuesIt() throws Exception {
        int port;
        try (java.net.ServerSocket probe = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = probe.getLocalPort();
        }
        RecordingGuestOutput output = new RecordingGuestOutput();
        LaunchedUnikernel vm = launch("mb-gdb", output, "test.end=exit test.code=0", "qemu.gdb", Integer.toString(port),
                "qemu.gdbWait", "true");
        assertTrue(vm.details().get("gdb").contains("target remote 127.0.0.1:" + port), vm.details().toString());
        assertTrue(output.notes().stream().anyMatch(n -> n.contains("gdb stub on 127.0.0.1:" + port)), output.notes().toString());
        Thread.sleep(500); // nothing to wait for: the point is that nothing happens
        assertTrue(output.lines(GuestOutput.Stream.SERIAL).isEmpty(), "the CPU waits for the debugger: " + output.all());
        // What gdb sends to continue, in the remote serial protocol: "c" with its checksum.
        try (java.net.Socket gdb = new java.net.Socket(java.net.InetAddress.getLoopbackAddress(), port)) {
            gdb.getOutputStream().write("+$c#63".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            gdb.getOutputStream().flush();
            ExitInfo exit = awaitExit(vm);
            assertEquals(ExitClassification.NORMAL, exit.classification(), output.all());
        }
    }

    @Test
    void aNonBootableImageIsRefusedBeforeQemuStarts() {
        UnikernelSpec spec = UnikernelSpec.builder("bad", GuestBuilds.GUESTS.resolve("multiboot/mbguest.c"))
                .option("qemu.accel", "tcg").build();
        LaunchException e = assertThrows(LaunchException.class, () -> new QemuBackend().launch(
                new LaunchRequest(spec, TOKEN, List.of(), List.of(), new RecordingGuestOutput(), runDirectory)));
        assertTrue(e.getMessage().contains("mbguest.c") && e.getMessage().contains("not bootable"), e.getMessage());
    }

    @Test
    void qemuErrorsDuringStartUpBecomeALaunchExceptionWithQemusMessage() {
        UnikernelSpec spec = UnikernelSpec.builder("nomachine", guest).option("qemu.accel", "tcg")
                .option("qemu.machine", "no-such-machine").build();
        LaunchException e = assertThrows(LaunchException.class, () -> new QemuBackend().launch(
                new LaunchRequest(spec, TOKEN, List.of(), List.of(), new RecordingGuestOutput(), runDirectory)));
        assertTrue(e.getMessage().contains("no-such-machine") && e.getMessage().contains("start-up"), e.getMessage());
        try (var left = java.nio.file.Files.list(runDirectory)) {
            assertEquals(List.of(), left.map(p -> p.getFileName().toString()).filter(f -> f.startsWith("token-")).toList(),
                    "a failed launch leaves no token file behind");
        } catch (java.io.IOException io) {
            throw new java.io.UncheckedIOException(io);
        }
    }
}
