package io.umonitor.api;

import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * How a unikernel ended.
 *
 * @param exitCode the guest's exit code as the backend recovered it (process status, Solo5 exit,
 *     rumprun marker, QEMU debug-exit), or -1 when unknown
 * @param signal the host signal that ended the process, or 0
 * @param classification why it ended
 * @param description a sentence for humans, e.g. "solo5_abort() called" or "OCaml exception (exit 2)"
 * @param lastConsoleLines the last console lines before the end, oldest first
 * @param endedAt when umonitor saw it end
 * @since 0.1
 */
public record ExitInfo(
        int exitCode,
        int signal,
        ExitClassification classification,
        String description,
        List<String> lastConsoleLines,
        Instant endedAt) {

    public ExitInfo {
        Objects.requireNonNull(classification, "classification");
        Objects.requireNonNull(description, "description");
        Objects.requireNonNull(endedAt, "endedAt");
        lastConsoleLines = lastConsoleLines == null ? List.of() : List.copyOf(lastConsoleLines);
    }

    public static ExitInfo of(int exitCode, int signal, ExitClassification classification, String description) {
        return new ExitInfo(exitCode, signal, classification, description, List.of(), Instant.now());
    }

    public ExitInfo withLastConsoleLines(List<String> lines) {
        return new ExitInfo(exitCode, signal, classification, description, lines, endedAt);
    }

    /**
     * One line for people: "exit code 134, signal 6 (CRASH): crashed with SIGABRT (signal 6)", or
     * "no exit code (LAUNCHER_ERROR): ..." when the code is unknown.
     */
    public String summary() {
        return (exitCode >= 0 ? "exit code " + exitCode : "no exit code") + (signal != 0 ? ", signal " + signal : "")
                + " (" + classification + "): " + description;
    }

    /** {@link #summary()} followed by the last console lines, one per indented line, or that there were none. */
    public String summaryWithConsole() {
        return summary() + (lastConsoleLines.isEmpty() ? "; the console was empty"
                : "; last console lines:\n  " + String.join("\n  ", lastConsoleLines));
    }

    /** True for failures and crashes, the ends an on-failure restart policy restarts after. */
    public boolean isFailure() {
        return classification == ExitClassification.FAILURE || classification == ExitClassification.CRASH
                || classification == ExitClassification.KILLED || classification == ExitClassification.LAUNCHER_ERROR;
    }
}
