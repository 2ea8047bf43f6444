package io.umonitor.examples.cli;

import io.umonitor.api.LogFilter;
import io.umonitor.api.LogRecord;
import io.umonitor.api.LogStats;
import io.umonitor.api.UnikernelHandle;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

/** What a running umonitor command exposes on its control socket. */
interface ControlTarget {
    List<UnikernelHandle> unikernels();

    Optional<UnikernelHandle> find(String name);

    List<LogRecord> logs(String name, LogFilter filter);

    /** {@code name} null: every unikernel and attached sender. */
    AutoCloseable follow(String name, LogFilter filter, Consumer<LogRecord> consumer);

    /** Log files are closed and reopened at their paths (the {@code reopen} request, SIGHUP). */
    default void reopenLogs() {
    }

    /** Monitor-wide counters of the logging half (refusals, sink failures), for {@code ps}. */
    default Map<String, Long> logCounters() {
        return Map.of();
    }

    /** The command holding the monitor, e.g. "run", "listen", "shell". */
    default String command() {
        return "?";
    }

    /** Where this monitor's file sink writes, if it has one. */
    default Optional<Path> logDirectory() {
        return Optional.empty();
    }

    /** When the unikernel was first launched by this monitor. */
    default Optional<Instant> launchedAt(String name) {
        return Optional.empty();
    }

    /** Facts of the current run from the backend (e.g. pid). */
    default Map<String, String> details(String name) {
        return Map.of();
    }

    /** Names of senders that attached on their own (not launched by this monitor). */
    default List<String> attachedSenders() {
        return List.of();
    }

    /** Log counters of a unikernel or attached sender. */
    default LogStats logStats(String name) {
        return LogStats.ZERO;
    }

    /** Resource figures of a running unikernel; empty when it has no host process now. */
    Optional<io.umonitor.api.UnikernelStats> stats(String name);
}
