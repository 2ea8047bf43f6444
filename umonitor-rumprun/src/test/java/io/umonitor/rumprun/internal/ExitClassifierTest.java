package io.umonitor.rumprun.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.umonitor.api.ExitClassification;
import io.umonitor.api.ExitInfo;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;

class ExitClassifierTest {

    private static ExitInfo classify(Flavour flavour, OptionalInt port, Integer consoleCode, String panic, boolean halted,
            boolean stop, String reason, int status, String qemuError) {
        return ExitClassifier.classify(new ExitClassifier.Observed(flavour, port,
                consoleCode == null ? OptionalInt.empty() : OptionalInt.of(consoleCode), "=== _exit(" + consoleCode
                        + ") called ===", panic, halted, stop, reason, status, qemuError, null));
    }

    @Test
    void debugExitCarriesTheGuestCode() {
        ExitInfo info = classify(Flavour.MULTIBOOT, OptionalInt.of(0xf4), null, null, false, false, null, 7, null);
        assertEquals(3, info.exitCode());
        assertEquals(ExitClassification.FAILURE, info.classification());
        ExitInfo zero = classify(Flavour.MULTIBOOT, OptionalInt.of(0xf4), null, null, false, false, null, 1, null);
        assertEquals(ExitClassification.NORMAL, zero.classification());
    }

    @Test
    void qemuFailingWithStatusOneIsNotGuestCodeZero() {
        ExitInfo info = classify(Flavour.MULTIBOOT, OptionalInt.of(0xf4), null, null, false, false, null, 1,
                "qemu-system-x86_64: -netdev tap: could not open /dev/net/tun");
        assertEquals(ExitClassification.LAUNCHER_ERROR, info.classification());
        assertTrue(info.description().contains("/dev/net/tun"), info.description());
    }

    @Test
    void aGuestThatShowedItsOwnExitIsNotALauncherErrorWhateverQemuPrinted() {
        // isa-debug-exit with code 0 gives status 1; the console shows main() returned 0 (issue 15).
        ExitInfo info = classify(Flavour.MULTIBOOT, OptionalInt.of(0xf4), 0, null, false, false, null, 1,
                "qemu-system-x86_64: vhost-net requested but could not be initialized");
        assertEquals(ExitClassification.NORMAL, info.classification(), info.toString());
        assertEquals(0, info.exitCode());
    }

    @Test
    void unikraftHaltAndCrashCodes() {
        assertEquals(ExitClassification.NORMAL, classify(Flavour.UNIKRAFT, OptionalInt.of(0x501), null, null, false,
                false, null, 41 << 1 | 1, null).classification());
        assertEquals(ExitClassification.CRASH, classify(Flavour.UNIKRAFT, OptionalInt.of(0x501), null, null, false,
                false, null, 42 << 1 | 1, null).classification());
    }

    @Test
    void rumprunHaltedAfterExitIsReportedWithTheConsoleCode() {
        ExitInfo info = classify(Flavour.RUMPRUN, OptionalInt.empty(), 2, null, true, false, "host-qmp-quit", 0, null);
        assertEquals(2, info.exitCode());
        assertEquals(ExitClassification.FAILURE, info.classification());
        assertTrue(info.description().contains("halted"), info.description());
        assertEquals(ExitClassification.NORMAL,
                classify(Flavour.RUMPRUN, OptionalInt.empty(), 0, null, true, false, null, 0, null).classification());
    }

    @Test
    void panicIsACrashWhateverElseHappened() {
        ExitInfo info = classify(Flavour.RUMPRUN, OptionalInt.empty(), null, "out of memory", true, false, null, 0, null);
        assertEquals(ExitClassification.CRASH, info.classification());
        assertTrue(info.description().contains("out of memory"));
    }

    @Test
    void resetIsACrashAndStopIsStopped() {
        assertEquals(ExitClassification.CRASH, classify(Flavour.MULTIBOOT, OptionalInt.of(0xf4), null, null, false,
                false, "guest-reset", 0, null).classification());
        assertEquals(ExitClassification.STOPPED, classify(Flavour.MULTIBOOT, OptionalInt.of(0xf4), null, null, false,
                true, "host-qmp-quit", 0, null).classification());
    }

    @Test
    void killSignalsAreNotMistakenForDebugExitCodes() {
        ExitInfo info = classify(Flavour.MULTIBOOT, OptionalInt.of(0xf4), null, null, false, false, null, 137, null);
        assertEquals(ExitClassification.KILLED, info.classification());
        assertEquals(9, info.signal());
    }
}
