package io.umonitor.solo5;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.umonitor.api.ExitClassification;
import io.umonitor.api.ExitInfo;
import io.umonitor.api.spi.GuestOutput.Stream;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Statuses and lines as Solo5 v0.12.1 produced them here (status first, then the console). */
class ExitClassifierTest {

    private static ConsoleParser.Facts console(List<String> stdout, List<String> stderr) {
        ConsoleParser p = new ConsoleParser(() -> { });
        stdout.forEach(l -> p.accept(Stream.STDOUT, l));
        stderr.forEach(l -> p.accept(Stream.STDERR, l));
        return p.facts();
    }

    private static ExitInfo classify(int status, boolean stopped, List<String> stdout, List<String> stderr) {
        int signal = status > 128 && status <= 192 ? status - 128 : 0;
        return ExitClassifier.classify(status, signal, stopped, console(stdout, stderr), false, 0);
    }

    @Test
    void normalExit() {
        ExitInfo e = classify(0, false, ConsoleParserTest.HELLO, List.of());
        assertEquals(ExitClassification.NORMAL, e.classification());
        assertEquals(0, e.exitCode());
    }

    @Test
    void applicationFailure() {
        ExitInfo e = classify(1, false, List.of("Solo5: solo5_exit(1) called"), List.of());
        assertEquals(ExitClassification.FAILURE, e.classification());
        assertEquals("solo5_exit(1) called", e.description());
    }

    @Test
    void mirageExitCodes() {
        ConsoleParser.Facts two = console(List.of("Solo5: solo5_exit(2) called"), List.of());
        ExitInfo e = ExitClassifier.classify(2, 0, false, two, true, 0);
        assertEquals(ExitClassification.FAILURE, e.classification());
        assertEquals("solo5_exit(2) called (MirageOS: OCaml exception)", e.description());
        assertTrue(ExitClassifier.classify(64, 0, false, console(List.of("Solo5: solo5_exit(64) called"), List.of()),
                true, 0).description().contains("argument error"));
        assertTrue(ExitClassifier.classify(63, 0, false, console(List.of("Solo5: solo5_exit(63) called"), List.of()),
                true, 0).description().contains("help or version"));
    }

    @Test
    void hvtTrapIsACrashWithRegisters() {
        ExitInfo e = classify(255, false, List.of(
                "Solo5: trap: type=#PF ec=0x2 rip=0x104022 rsp=0x1fffffe0 rflags=0x10006",
                "Solo5: trap: cr2=0x400000000",
                "Solo5: ABORT: cpu_x86_64.c:182: Fatal trap"), List.of());
        assertEquals(ExitClassification.CRASH, e.classification());
        assertEquals(255, e.exitCode());
        assertEquals("Solo5: ABORT: cpu_x86_64.c:182: Fatal trap (trap: type=#PF ec=0x2 rip=0x104022 "
                + "rsp=0x1fffffe0 rflags=0x10006 cr2=0x400000000)", e.description());
    }

    @Test
    void abortAndStackSmashing() {
        assertEquals(ExitClassification.CRASH,
                classify(255, false, List.of("Solo5: solo5_abort() called"), List.of()).classification());
        ExitInfo ssp = classify(255, false, List.of("Solo5: ABORT: Stack corruption detected"), List.of());
        assertEquals("Solo5: ABORT: Stack corruption detected", ssp.description());
        assertEquals(ExitClassification.CRASH, classify(255, false, List.of(), List.of()).classification());
    }

    @Test
    void outOfMemoryAbortSaysWhatToRaise() {
        ExitInfo e = ExitClassifier.classify(255, 0, false,
                console(List.of("Solo5: ABORT: mem.c:54: Not enough memory"), List.of()), false, 2);
        assertTrue(e.description().contains("raise the unikernel's memoryMb (now 2 MB)"), e.description());
    }

    @Test
    void sptFaultsAreSignals() {
        ExitInfo segv = classify(139, false, List.of("**** Solo5 standalone test_exception ****"), List.of());
        assertEquals(ExitClassification.CRASH, segv.classification());
        assertEquals(11, segv.signal());
        assertTrue(segv.description().contains("SIGSEGV"), segv.description());
        ExitInfo sys = classify(159, false, List.of(), List.of());
        assertEquals(ExitClassification.CRASH, sys.classification());
        assertTrue(sys.description().contains("SIGSYS") && sys.description().contains("seccomp"), sys.description());
    }

    @Test
    void tenderAndConfigurationErrors() {
        ExitInfo e = classify(1, false, List.of(), List.of(
                "solo5-spt: Device 'service0' of type NET_BASIC declared but not attached.",
                "solo5-spt: All declared devices must be attached. See --help for syntax."));
        assertEquals(ExitClassification.LAUNCHER_ERROR, e.classification());
        assertTrue(e.description().contains("declared but not attached"), e.description());
        ExitInfo busy = classify(1, false, List.of(), List.of(
                "solo5-hvt: Could not attach interface: us5probe: Device or resource busy",
                "solo5-hvt: Invalid option: `--net:service0=us5probe'"));
        assertTrue(busy.description().contains("Device or resource busy"), busy.description());
        ExitInfo kvm = classify(1, false, List.of("**** Solo5 standalone test_fpu ****"),
                List.of("solo5-hvt: KVM: internal error exit: suberror=0x1"));
        assertEquals(ExitClassification.LAUNCHER_ERROR, kvm.classification());
    }

    @Test
    void stopsAndOutsideKills() {
        // hvt handles SIGTERM and exits 1; spt dies of it (143)
        ExitInfo hvt = classify(1, true, List.of(), List.of("solo5-hvt: Exiting on signal 15"));
        assertEquals(ExitClassification.STOPPED, hvt.classification());
        assertEquals(15, hvt.signal());
        assertEquals(ExitClassification.STOPPED, classify(143, true, List.of(), List.of()).classification());
        assertEquals(ExitClassification.STOPPED, classify(137, true, List.of(), List.of()).classification());
        ExitInfo outside = classify(1, false, List.of(), List.of("solo5-hvt: Exiting on signal 15"));
        assertEquals(ExitClassification.KILLED, outside.classification());
        assertEquals(ExitClassification.KILLED, classify(137, false, List.of(), List.of()).classification());
    }

    @Test
    void aGuestThatExitsWhileBeingStoppedKeepsItsOwnExit() {
        ExitInfo e = classify(3, true, List.of("Solo5: solo5_exit(3) called"), List.of());
        assertEquals(ExitClassification.FAILURE, e.classification());
    }
}
