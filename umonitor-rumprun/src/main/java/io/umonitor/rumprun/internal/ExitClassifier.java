package io.umonitor.rumprun.internal;

import io.umonitor.api.ExitClassification;
import io.umonitor.api.ExitInfo;
import io.umonitor.kit.process.GuestExits;
import java.util.OptionalInt;

/**
 * Decides how a QEMU guest ended from everything observed: the console markers, the isa-debug-exit
 * status, QMP's shutdown reason and who stopped QEMU.
 *
 * <p>QEMU's exit status is ambiguous in two places, resolved as documented here: with isa-debug-exit
 * an odd status {@code (N << 1) | 1} carries the guest's code N, but QEMU itself also exits with 1 on
 * errors (then its stderr has an error line) and a kill shows as 128 + signal (137, 139 and 143 are
 * read as SIGKILL, SIGSEGV and SIGTERM, not as codes 68, 69 and 71). Status 1 is QEMU's failure only when
 * its stderr holds an error (warnings do not count) and the guest's console shows no exit of its own.
 */
public final class ExitClassifier {

    /** What was observed about one QEMU run. */
    public record Observed(
            Flavour flavour,
            OptionalInt debugExitPort,
            OptionalInt consoleExitCode,
            String consoleExitLine,
            String panic,
            boolean haltedThenStopped,
            boolean stopRequested,
            String shutdownReason,
            int exitValue,
            String qemuError,
            String kvmFailure) {
    }

    private ExitClassifier() {
    }

    public static ExitInfo classify(Observed o) {
        if (o.kvmFailure() != null) {
            return ExitInfo.of(-1, 0, ExitClassification.LAUNCHER_ERROR, "KVM could not run the guest ("
                    + o.kvmFailure() + "): set qemu.accel=tcg, or qemu.accel=auto to fall back to TCG");
        }
        int code = o.consoleExitCode().orElse(-1);
        if (o.panic() != null) {
            return ExitInfo.of(code, 0, ExitClassification.CRASH, "PANIC: " + o.panic());
        }
        if (o.haltedThenStopped()) {
            if (o.consoleExitCode().isEmpty()) {
                return ExitInfo.of(-1, 0, ExitClassification.FAILURE,
                        "the guest halted without reporting an exit code; umonitor stopped QEMU");
            }
            return ExitInfo.of(code, 0, code == 0 ? ExitClassification.NORMAL : ExitClassification.FAILURE,
                    o.consoleExitLine() + " then halted; umonitor stopped QEMU");
        }
        if (o.stopRequested()) {
            return GuestExits.stopped(code, 0);
        }
        int status = o.exitValue();
        // The guest's own exit path (its console marker) outranks QEMU's stderr: with isa-debug-exit, a guest
        // that returned 0 makes QEMU exit with 1, the status QEMU also uses for its own errors.
        boolean qemuFailed = status == 1 && o.qemuError() != null && o.consoleExitCode().isEmpty();
        boolean signalled = status == 137 || status == 139 || status == 143;
        if (o.debugExitPort().isPresent() && (status & 1) == 1 && !qemuFailed && !signalled) {
            int n = status >> 1;
            String via = "isa-debug-exit at 0x" + Integer.toHexString(o.debugExitPort().getAsInt());
            if (o.flavour() == Flavour.UNIKRAFT) {
                if (n == Flavour.UNIKRAFT_HALT) {
                    return ExitInfo.of(0, 0, ExitClassification.NORMAL, "Unikraft halted (" + via + ")");
                }
                if (n == Flavour.UNIKRAFT_CRASH) {
                    return ExitInfo.of(code, 0, ExitClassification.CRASH, "Unikraft crashed (" + via + ")");
                }
            }
            return ExitInfo.of(n, 0, n == 0 ? ExitClassification.NORMAL : ExitClassification.FAILURE,
                    "the guest wrote exit code " + n + " to " + via);
        }
        if (status == 0) {
            if ("guest-reset".equals(o.shutdownReason())) {
                return ExitInfo.of(code, 0, ExitClassification.CRASH,
                        "the guest reset itself (a triple fault or a reboot request); -no-reboot ended QEMU");
            }
            if (o.consoleExitCode().isPresent()) {
                return ExitInfo.of(code, 0, code == 0 ? ExitClassification.NORMAL : ExitClassification.FAILURE,
                        o.consoleExitLine());
            }
            return ExitInfo.of(0, 0, ExitClassification.NORMAL, "the guest powered off"
                    + (o.shutdownReason() == null ? "" : " (" + o.shutdownReason() + ")"));
        }
        if (signalled) {
            int signal = status - 128;
            return GuestExits.killed(code, signal, "QEMU", null);
        }
        return GuestExits.launcherFailed(code, "QEMU", status, o.qemuError());
    }
}
