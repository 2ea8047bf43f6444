package io.umonitor.examples.cli;

import io.umonitor.api.LogFilter;
import io.umonitor.api.LogRecord;
import io.umonitor.api.LogStats;
import io.umonitor.api.UnikernelHandle;
import io.umonitor.api.UnikernelState;
import io.umonitor.core.Monitor;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import java.util.stream.Collectors;

/** Exposes an in-process {@link Monitor} on the control socket. */
final class MonitorControlTarget implements ControlTarget {
    private final Monitor monitor;
    private final String command;
    private final Path logDirectory;
    private final Map<String, Instant> launchedAt = new ConcurrentHashMap<>();

    /** For a monitor of one's own (tests, embedding): no command name, no log directory to point at. */
    MonitorControlTarget(Monitor monitor) {
        this(monitor, "embedded", null);
    }

    MonitorControlTarget(Monitor monitor, String command, Path logDirectory) {
        this.monitor = monitor;
        this.command = command;
        this.logDirectory = logDirectory;
        // Age counts from the first launch of a name in this monitor, across restarts.
        monitor.addLifecycleListener(e -> {
            if (e.state() == UnikernelState.STARTING && e.restarts() == 0) {
                launchedAt.put(e.unikernel(), e.at());
            }
        });
    }

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
        // Unknown here is no error: the control socket asks every running monitor and merges the answers.
        return monitor.find(name).isPresent() || monitor.senders().contains(name) ? monitor.logs(name, filter) : List.of();
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
    public Map<String, Long> logCounters() {
        return monitor.logCounters();
    }

    @Override
    public String command() {
        return command;
    }

    @Override
    public Optional<Path> logDirectory() {
        return Optional.ofNullable(logDirectory);
    }

    @Override
    public Optional<Instant> launchedAt(String name) {
        return Optional.ofNullable(launchedAt.get(name));
    }

    @Override
    public Map<String, String> details(String name) {
        return monitor.details(name);
    }

    @Override
    public List<String> attachedSenders() {
        Set<String> launched = monitor.unikernels().stream().map(UnikernelHandle::name).collect(Collectors.toSet());
        return monitor.senders().stream().filter(s -> !launched.contains(s)).toList();
    }

    @Override
    public LogStats logStats(String name) {
        return monitor.logStats(name);
    }
}
