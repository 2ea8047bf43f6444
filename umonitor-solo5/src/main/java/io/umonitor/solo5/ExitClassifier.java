package io.umonitor.solo5;

import io.umonitor.api.ExitClassification;
import io.umonitor.api.ExitInfo;
import io.umonitor.kit.process.GuestExits;
import io.umonitor.kit.process.Signals;

/**
 * Turns a tender's exit status and what its console said into an {@link ExitInfo}. Measured with
 * Solo5 v0.12.1:
 * <ul>
 * <li>{@code solo5_exit(N)}: status N mod 256, console {@code Solo5: solo5_exit(N) called};</li>
 * <li>abort, failed assertion, stack smashing, trap on hvt: status 255 and {@code Solo5: ABORT: ...};</li>
 * <li>a guest fault on spt is a host signal (status 139 for SIGSEGV, 159 for SIGSYS from seccomp);</li>
 * <li>tender and configuration errors: status 1 with {@code solo5-TENDER: ...} on stderr;</li>
 * <li>SIGTERM: hvt exits 1 with {@code Exiting on signal 15}; spt has no handler (status 143).</li>
 * </ul>
 * MirageOS adds meanings (as albatross reads them): 1 Solo5 internal error, 2 OCaml exception, 63
 * help or version printed, 64 argument error, 255 abort.
 */
final class ExitClassifier {

    private ExitClassifier() {
    }

    /**
     * @param exitValue the status the host reported (128 + signal for a signal death)
     * @param signal the signal that ended the tender, or 0
     * @param stopRequested umonitor signalled the tender itself
     * @param mirage the image is a MirageOS unikernel (exit codes get MirageOS meanings)
     * @param memoryMb the memory the spec asked for (0: tender default), for the out-of-memory hint
     */
    static ExitInfo classify(int exitValue, int signal, boolean stopRequested, ConsoleParser.Facts facts,
            boolean mirage, int memoryMb) {
        int reportedSignal = signal != 0 ? signal : facts.tenderExitSignal().orElse(0);
        if (facts.crashed()) {
            return ExitInfo.of(exitValue, signal, ExitClassification.CRASH, crashDescription(facts, memoryMb));
        }
        if (facts.exitStatus().isPresent()) {
            int status = facts.exitStatus().getAsInt();
            if (status == 0) {
                return ExitInfo.of(exitValue, 0, ExitClassification.NORMAL, "solo5_exit(0) called");
            }
            return ExitInfo.of(exitValue, 0, ExitClassification.FAILURE,
                    "solo5_exit(" + status + ") called" + meaning(status & 0xff, mirage));
        }
        if (stopRequested) {
            return GuestExits.stopped(exitValue, reportedSignal);
        }
        if (signal != 0) {
            // On spt the guest runs in the tender's process, so a fault signal is the guest's fault.
            return GuestExits.signalled(exitValue, signal, "the tender", Signals.isSelfInflicted(signal)
                    ? "(a guest fault" + (signal == Signals.SIGSYS ? ": a system call the spt seccomp filter forbids"
                            : "") + ")" : null);
        }
        if (facts.tenderExitSignal().isPresent()) {
            return ExitInfo.of(exitValue, reportedSignal, ExitClassification.KILLED, "the tender exited on "
                    + Signals.name(reportedSignal) + ", which umonitor did not send");
        }
        if (exitValue == 0) {
            return GuestExits.guestExited(0, "exit 0");
        }
        if (!facts.tenderErrors().isEmpty()) {
            return GuestExits.launcherFailed(exitValue, "the tender", exitValue, String.join("; ", facts.tenderErrors()));
        }
        if (exitValue == 255) {
            return ExitInfo.of(exitValue, 0, ExitClassification.CRASH, "abort (exit 255)");
        }
        return GuestExits.guestExited(exitValue, "exit " + exitValue + meaning(exitValue, mirage));
    }

    private static String crashDescription(ConsoleParser.Facts facts, int memoryMb) {
        StringBuilder d = new StringBuilder();
        if (facts.abortMessage().isPresent()) {
            d.append("Solo5: ABORT: ").append(facts.abortMessage().get());
        } else if (facts.abortCalled()) {
            d.append("solo5_abort() called");
        } else {
            d.append("trap");
        }
        if (!facts.trapLines().isEmpty()) {
            d.append(" (trap: ").append(String.join(" ", facts.trapLines())).append(')');
        }
        if (facts.abortMessage().filter(m -> m.contains("Not enough memory")).isPresent()) {
            d.append(": raise the unikernel's memoryMb (now ")
                    .append(memoryMb == 0 ? "the tender default" : memoryMb + " MB").append(')');
        }
        return d.toString();
    }

    private static String meaning(int status, boolean mirage) {
        if (!mirage) {
            return "";
        }
        return switch (status) {
            case 1 -> " (MirageOS: Solo5 internal error)";
            case 2 -> " (MirageOS: OCaml exception)";
            case 63 -> " (MirageOS: help or version printed instead of running: remove --help/--version)";
            case 64 -> " (MirageOS: argument error: check the unikernel's arguments)";
            case 255 -> " (MirageOS: abort)";
            default -> "";
        };
    }
}
