package io.umonitor.examples.cli;

import io.umonitor.api.LogFilter;
import io.umonitor.api.LogRecord;
import io.umonitor.api.UnikernelHandle;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

/** What a running umonitor command exposes on its control socket. */
interface ControlTarget {
    List<UnikernelHandle> unikernels();

    Optional<UnikernelHandle> find(String name);

    List<LogRecord> logs(String name, LogFilter filter);

    AutoCloseable follow(String name, LogFilter filter, Consumer<LogRecord> consumer);

    /** Log files are closed and reopened at their paths (the {@code reopen} request, SIGHUP). */
    default void reopenLogs() {
    }

    /** Monitor-wide counters of the logging half (refusals, sink failures), for {@code ps}. */
    default java.util.Map<String, Long> logCounters() {
        return java.util.Map.of();
    }

    /** Senders with a log history that are not launched unikernels (attach mode), for {@code ps}. */
    default List<String> attachedSenders() {
        return List.of();
    }

    /** Counters of one sender. */
    default io.umonitor.api.LogStats logStats(String name) {
        return io.umonitor.api.LogStats.ZERO;
    }

    /** Resource figures of a running unikernel; empty when it has no host process now. */
    Optional<io.umonitor.api.UnikernelStats> stats(String name);
}
