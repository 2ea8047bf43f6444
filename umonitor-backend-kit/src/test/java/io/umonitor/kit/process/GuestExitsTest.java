package io.umonitor.kit.process;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.umonitor.api.ExitClassification;
import io.umonitor.api.ExitInfo;
import org.junit.jupiter.api.Test;

class GuestExitsTest {

    @Test
    void aGuestExitIsNormalForZeroAndAFailureOtherwise() {
        assertEquals(ExitClassification.NORMAL, GuestExits.guestExited(0, "exited normally").classification());
        ExitInfo three = GuestExits.guestExited(3, "exited with code 3");
        assertEquals(ExitClassification.FAILURE, three.classification());
        assertEquals("exit code 3 (FAILURE): exited with code 3", three.summary());
    }

    @Test
    void aFaultSignalIsACrashAnyOtherSignalNotSentIsKilled() {
        ExitInfo segv = GuestExits.signalled(139, Signals.SIGSEGV, "", null);
        assertEquals(ExitClassification.CRASH, segv.classification());
        assertEquals("crashed with SIGSEGV (signal 11)", segv.description());
        ExitInfo interrupted = GuestExits.signalled(130, Signals.SIGINT, "the tender", "(from a terminal?)");
        assertEquals(ExitClassification.KILLED, interrupted.classification());
        assertEquals("the tender was killed by SIGINT (signal 2), which umonitor did not send (from a terminal?)",
                interrupted.description());
        assertEquals(ExitClassification.KILLED, GuestExits.killed(139, Signals.SIGSEGV, "QEMU", null).classification());
    }

    @Test
    void theEndOfAStopSaysWhoStoppedIt() {
        assertEquals("stopped by umonitor (SIGTERM)", GuestExits.stopped(143, Signals.SIGTERM).description());
        assertEquals("killed by umonitor after the stop grace period (SIGKILL)",
                GuestExits.stopped(137, Signals.SIGKILL).description());
        assertEquals(ExitClassification.STOPPED, GuestExits.stopped(0, 0).classification());
    }

    @Test
    void aLauncherFailureNamesTheLauncherAndItsStatus() {
        ExitInfo e = GuestExits.launcherFailed(-1, "QEMU", 1,
                "qemu-system-x86_64: -netdev tap: could not open /dev/net/tun");
        assertEquals(ExitClassification.LAUNCHER_ERROR, e.classification());
        assertTrue(e.description().startsWith("QEMU failed (exit 1): qemu-system-x86_64"), e.description());
        assertEquals("no exit code (LAUNCHER_ERROR): " + e.description(), e.summary());
    }

    @Test
    void aProcessThatExitedByItselfIsLeftToTheBackend() {
        assertTrue(GuestExits.stoppedOrSignalled(ProcessExit.fromExitValue(4, false, 0), "").isEmpty());
        assertEquals(ExitClassification.STOPPED, GuestExits.stoppedOrSignalled(
                ProcessExit.fromExitValue(143, true, 0), "").orElseThrow().classification());
        assertEquals(ExitClassification.CRASH, GuestExits.stoppedOrSignalled(
                ProcessExit.fromExitValue(134, false, 0), "").orElseThrow().classification());
    }

    @Test
    void aGuestProcessExitCodeIsTheGuestsOwnAndItsSignalsAndStopsReadAsForEveryBackend() {
        ExitInfo three = GuestExits.ofGuestProcess(ProcessExit.fromExitValue(3, false, 0));
        assertEquals("exit code 3 (FAILURE): exited with code 3", three.summary());
        assertEquals("exited normally", GuestExits.ofGuestProcess(ProcessExit.fromExitValue(0, false, 0)).description());
        assertEquals("crashed with SIGABRT (signal 6)",
                GuestExits.ofGuestProcess(ProcessExit.fromExitValue(134, false, 0)).description());
        assertEquals(ExitClassification.KILLED,
                GuestExits.ofGuestProcess(ProcessExit.fromExitValue(137, false, 0)).classification());
        assertEquals(ExitClassification.STOPPED,
                GuestExits.ofGuestProcess(ProcessExit.fromExitValue(143, true, 0)).classification());
    }
}
