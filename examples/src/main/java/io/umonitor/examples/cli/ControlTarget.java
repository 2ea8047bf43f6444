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

    /** Resource figures of a running unikernel; empty when it has no host process now. */
    Optional<io.umonitor.api.UnikernelStats> stats(String name);
}
