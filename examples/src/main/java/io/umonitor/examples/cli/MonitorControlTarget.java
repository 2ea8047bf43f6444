package io.umonitor.examples.cli;

import io.umonitor.api.LogFilter;
import io.umonitor.api.LogRecord;
import io.umonitor.api.UnikernelHandle;
import io.umonitor.core.Monitor;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

/** Exposes an in-process {@link Monitor} on the control socket. */
record MonitorControlTarget(Monitor monitor) implements ControlTarget {
    @Override
    public List<UnikernelHandle> unikernels() {
        return monitor.unikernels();
    }

    @Override
    public Optional<UnikernelHandle> find(String name) {
        return monitor.find(name);
    }

    @Override
    public List<LogRecord> logs(String name, LogFilter filter) {
        return monitor.logs(name, filter);
    }

    @Override
    public Optional<io.umonitor.api.UnikernelStats> stats(String name) {
        return monitor.stats(name);
    }

    @Override
    public AutoCloseable follow(String name, LogFilter filter, Consumer<LogRecord> consumer) {
        return monitor.follow(name, filter, consumer);
    }

    @Override
    public void reopenLogs() {
        monitor.reopenLogFiles();
    }

    @Override
    public java.util.Map<String, Long> logCounters() {
        return monitor.logCounters();
    }

    @Override
    public List<String> attachedSenders() {
        java.util.Set<String> launched = new java.util.HashSet<>();
        for (UnikernelHandle h : monitor.unikernels()) {
            launched.add(h.name());
        }
        return monitor.senders().stream().filter(n -> !launched.contains(n)).toList();
    }

    @Override
    public io.umonitor.api.LogStats logStats(String name) {
        return monitor.logStats(name);
    }
}
