package io.umonitor.solo5;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.umonitor.api.spi.GuestOutput.Stream;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The console lines are those Solo5 v0.12.1 printed on this machine (see Solo5Backend's javadoc). */
class ConsoleParserTest {

    static final List<String> HELLO = List.of(
            "            |      ___|",
            "  __|  _ \\  |  _ \\ __ \\",
            "\\__ \\ (   | | (   |  ) |",
            "____/\\___/ _|\\___/____/",
            "Solo5: Bindings version v0.12.1",
            "Solo5: Memory map: 512 MB addressable:",
            "Solo5:   reserved @ (0x0 - 0xfffff)",
            "Solo5:       text @ (0x100000 - 0x102fff)",
            "Solo5:     rodata @ (0x103000 - 0x103fff)",
            "Solo5:       data @ (0x104000 - 0x105fff)",
            "Solo5:       heap >= 0x106000 < stack < 0x20000000",
            "",
            "**** Solo5 standalone test_hello ****",
            "",
            "Hello, World",
            "Command line is: 'a b'",
            "Solo5: solo5_exit(0) called");

    private final AtomicInteger running = new AtomicInteger();
    private final ConsoleParser parser = new ConsoleParser(running::incrementAndGet);

    private void stdout(List<String> lines) {
        lines.forEach(l -> parser.accept(Stream.STDOUT, l));
    }

    @Test
    void helloBannerMemoryMapRunningAndExit() {
        for (int i = 0; i < HELLO.size(); i++) {
            parser.accept(Stream.STDOUT, HELLO.get(i));
            // running exactly when the memory map ends, before the first application line
            assertEquals(i >= 10 ? 1 : 0, running.get(), "after line " + i + ": " + HELLO.get(i));
        }
        ConsoleParser.Facts f = parser.facts();
        assertEquals(Optional.of("v0.12.1"), f.bindingsVersion());
        assertEquals(OptionalInt.of(512), f.memoryMb());
        assertTrue(f.running());
        assertEquals(OptionalInt.of(0), f.exitStatus());
        assertFalse(f.crashed());
        assertTrue(f.tenderErrors().isEmpty());
    }

    @Test
    void quietConsoleRunsAtTheFirstLine() {
        stdout(List.of("", "**** Solo5 standalone test_quiet ****", "Solo5: solo5_exit(0) called"));
        assertEquals(1, running.get());
    }

    @Test
    void trapOnHvt() {
        stdout(List.of("Solo5: Bindings version v0.12.1", "",
                "**** Solo5 standalone test_exception ****", "",
                "Solo5: trap: type=#PF ec=0x2 rip=0x104022 rsp=0x1fffffe0 rflags=0x10006",
                "Solo5: trap: cr2=0x400000000",
                "Solo5: ABORT: cpu_x86_64.c:182: Fatal trap"));
        ConsoleParser.Facts f = parser.facts();
        assertTrue(f.crashed());
        assertEquals(Optional.of("cpu_x86_64.c:182: Fatal trap"), f.abortMessage());
        assertEquals(List.of("type=#PF ec=0x2 rip=0x104022 rsp=0x1fffffe0 rflags=0x10006", "cr2=0x400000000"),
                f.trapLines());
    }

    @Test
    void abortWithTheNulPaddingTheBindingsPrintAtExit() {
        stdout(List.of("1234567890123456789012345678901234567890", "Solo5: ABORT: Stack corruption detected", "\0"));
        parser.accept(Stream.STDOUT, "Solo5: solo5_abort() called");
        ConsoleParser.Facts f = parser.facts();
        assertEquals(Optional.of("Stack corruption detected"), f.abortMessage());
        assertTrue(f.abortCalled());
    }

    @Test
    void tenderErrorsOnStderrButNotItsUsageTextOrNotices() {
        parser.accept(Stream.STDERR, "solo5-spt: Device 'service0' of type NET_BASIC declared but not attached.");
        parser.accept(Stream.STDERR, "solo5-spt: All declared devices must be attached. See --help for syntax.");
        parser.accept(Stream.STDERR, "usage: solo5-spt [ CORE OPTIONS ] [ -- ] KERNEL [ ARGS ]");
        parser.accept(Stream.STDERR, "solo5-hvt: adjusting memory to 14680064 bytes");
        parser.accept(Stream.STDERR, "solo5-hvt-debug: Waiting for a debugger. Connect to it like this:");
        parser.accept(Stream.STDERR, "solo5-hvt-debug: \tgdb --ex=\"target remote localhost:41234\" KERNEL");
        assertEquals(List.of("Device 'service0' of type NET_BASIC declared but not attached.",
                "All declared devices must be attached. See --help for syntax."), parser.facts().tenderErrors());
        assertEquals(0, running.get(), "stderr never marks the application as running");
    }

    @Test
    void hvtExitingOnSignal() {
        parser.accept(Stream.STDERR, "solo5-hvt: Exiting on signal 15");
        assertEquals(OptionalInt.of(15), parser.facts().tenderExitSignal());
        assertTrue(parser.facts().tenderErrors().isEmpty());
    }

    @Test
    void negativeAndLargeExitStatuses() {
        stdout(List.of("Solo5: solo5_exit(-1) called"));
        assertEquals(OptionalInt.of(-1), parser.facts().exitStatus());
    }
}
