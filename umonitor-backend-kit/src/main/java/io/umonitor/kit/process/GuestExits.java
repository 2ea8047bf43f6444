package io.umonitor.kit.process;

import io.umonitor.api.ExitClassification;
import io.umonitor.api.ExitInfo;
import java.util.Optional;

/**
 * The words every backend uses for how a guest ended, so that "the tender failed", "the guest exited 3"
 * and "killed by a signal umonitor did not send" read the same whichever backend ran the guest. A
 * backend keeps only its own table: which of its observations (exit status, console markers, a VMM's
 * debug-exit port) mean which of these.
 *
 * <ul>
 *   <li>{@link #guestExited}: the guest ended by itself with a code: NORMAL for 0, else FAILURE;</li>
 *   <li>{@link #launcherFailed}: the tender or VMM itself failed: LAUNCHER_ERROR;</li>
 *   <li>{@link #stopped}: it ended after umonitor's stop: STOPPED;</li>
 *   <li>{@link #signalled}: a signal umonitor did not send ended it: CRASH for the signals a program
 *       raises against itself ({@link Signals#isSelfInflicted}), else KILLED.</li>
 * </ul>
 * A backend whose host process is the guest itself needs no table: {@link #ofGuestProcess} reads it whole.
 *
 * @since 0.1
 */
public final class GuestExits {

    private GuestExits() {
    }

    /** The guest ended by itself with {@code code}; {@code how} says how it told us, e.g. "exited normally". */
    public static ExitInfo guestExited(int code, String how) {
        return ExitInfo.of(code, 0, code == 0 ? ExitClassification.NORMAL : ExitClassification.FAILURE, how);
    }

    /**
     * The tender or VMM failed rather than the guest ending: "{@code launcher} failed (exit STATUS): WHY".
     *
     * @param code the guest's exit code when known, else -1
     */
    public static ExitInfo launcherFailed(int code, String launcher, int status, String why) {
        return ExitInfo.of(code, 0, ExitClassification.LAUNCHER_ERROR, launcher + " failed (exit " + status + ")"
                + (why == null || why.isBlank() ? "" : ": " + why));
    }

    /** It ended after umonitor stopped it; {@code signal} is what ended it (0: it exited by itself). */
    public static ExitInfo stopped(int code, int signal) {
        String how = signal == Signals.SIGKILL ? "killed by umonitor after the stop grace period (SIGKILL)"
                : "stopped by umonitor" + (signal != 0 ? " (" + Signals.name(signal) + ")" : "");
        return ExitInfo.of(code, signal, ExitClassification.STOPPED, how);
    }

    /**
     * A signal umonitor did not send ended {@code who} ("" for the guest process itself, else e.g.
     * "the tender" or "QEMU"): "crashed with SIGSEGV (signal 11)" or "killed by SIGKILL (signal 9), which
     * umonitor did not send", followed by {@code hint} when there is one.
     */
    public static ExitInfo signalled(int code, int signal, String who, String hint) {
        String subject = who.isEmpty() ? "" : who + " ";
        String extra = hint == null || hint.isBlank() ? "" : " " + hint;
        String named = Signals.name(signal) + " (signal " + signal + ")";
        if (Signals.isSelfInflicted(signal)) {
            return ExitInfo.of(code, signal, ExitClassification.CRASH, subject + "crashed with " + named + extra);
        }
        return killed(code, signal, who, hint);
    }

    /**
     * KILLED whatever the signal: for a tender or VMM whose own fault says nothing about the guest
     * ("QEMU was killed by SIGSEGV (signal 11), which umonitor did not send").
     */
    public static ExitInfo killed(int code, int signal, String who, String hint) {
        return ExitInfo.of(code, signal, ExitClassification.KILLED, (who.isEmpty() ? "" : who + " was ")
                + "killed by " + Signals.name(signal) + " (signal " + signal + "), which umonitor did not send"
                + (hint == null || hint.isBlank() ? "" : " " + hint));
    }

    /**
     * For a backend whose host process is the guest itself (a Linux program, a script): umonitor's stop or
     * a signal as {@link #stoppedOrSignalled} reads them, else the process's exit code as the guest's own,
     * "exited normally" or "exited with code N".
     */
    public static ExitInfo ofGuestProcess(ProcessExit exit) {
        int code = exit.exitValue();
        return stoppedOrSignalled(exit, "").orElseGet(() -> guestExited(code,
                code == 0 ? "exited normally" : "exited with code " + code));
    }

    /**
     * The part of reading a host process's end that is the same for every backend: a stop umonitor asked
     * for, or a signal. Empty when the process exited by itself, which only the backend can interpret.
     */
    public static Optional<ExitInfo> stoppedOrSignalled(ProcessExit exit, String who) {
        if (exit.stopRequested()) {
            return Optional.of(stopped(exit.exitValue(), exit.signal()));
        }
        if (exit.diedOfSignal()) {
            return Optional.of(signalled(exit.exitValue(), exit.signal(), who, null));
        }
        return Optional.empty();
    }
}
