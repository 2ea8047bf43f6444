package io.umonitor.kit.process;

/**
 * How a {@link SupervisedProcess} ended.
 *
 * <p>Linux reports a process killed by a signal to Java as exit value {@code 128 + signal} (the shell
 * convention), so a program that calls {@code exit(137)} cannot be told apart from one killed by
 * SIGKILL; values 129 to 192 are read as signals. When umonitor sent the signal itself,
 * {@link #stopRequested()} says so.
 *
 * @param exitValue the value the host reports: the process's exit status, or {@code 128 + signal}
 * @param signal the signal that ended the process, or 0 when it exited by itself
 * @param stopRequested true when {@link SupervisedProcess#stop} or {@link SupervisedProcess#kill} signalled
 *     the process while it was still alive
 * @param droppedLines console lines dropped because the consumer could not keep up (see
 *     {@link SupervisedProcess.OutputConsumer#linesDropped})
 * @since 0.1
 */
public record ProcessExit(int exitValue, int signal, boolean stopRequested, long droppedLines) {

    /** Highest signal number Linux knows (SIGRTMAX). */
    static final int MAX_SIGNAL = 64;

    public ProcessExit {
        if (signal < 0 || signal > MAX_SIGNAL) {
            throw new IllegalArgumentException("signal " + signal + " outside 0.." + MAX_SIGNAL);
        }
        if (droppedLines < 0) {
            throw new IllegalArgumentException("droppedLines " + droppedLines + " is negative");
        }
    }

    /** Reads a value from {@link Process#exitValue()}, recognising {@code 128 + signal}. */
    public static ProcessExit fromExitValue(int exitValue, boolean stopRequested, long droppedLines) {
        int signal = exitValue > 128 && exitValue <= 128 + MAX_SIGNAL ? exitValue - 128 : 0;
        return new ProcessExit(exitValue, signal, stopRequested, droppedLines);
    }

    /** True when a signal ended the process. */
    public boolean diedOfSignal() {
        return signal != 0;
    }

    /** Human-readable, e.g. "exit code 3" or "signal 11 (SIGSEGV)". */
    public String describe() {
        return signal == 0 ? "exit code " + exitValue : "signal " + signal + " (" + Signals.name(signal) + ")";
    }
}
