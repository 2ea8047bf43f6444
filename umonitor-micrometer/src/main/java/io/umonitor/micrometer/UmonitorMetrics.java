package io.umonitor.micrometer;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.umonitor.api.LifecycleEvent;
import io.umonitor.api.LifecycleListener;
import io.umonitor.api.LogStats;
import io.umonitor.api.UnikernelHandle;
import io.umonitor.api.UnikernelState;
import io.umonitor.api.UnikernelStats;
import io.umonitor.core.Monitor;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.ToDoubleFunction;

/**
 * Reports a {@link Monitor}'s unikernels through Micrometer, for host applications that already publish
 * their metrics that way (Prometheus, OTLP, JMX, ...).
 *
 * <p>Per unikernel, tagged {@code unikernel=NAME} and {@code backend=ID}:
 * <ul>
 *   <li>{@code umonitor.records.received}, {@code .lost}, {@code .rejected}, {@code .dropped}: the log
 *       stream's counters ({@link LogStats}), across restarts;</li>
 *   <li>{@code umonitor.unikernel.restarts}: restarts so far;</li>
 *   <li>{@code umonitor.unikernel.state}: 1 while the unikernel is in the state named by the {@code state}
 *       tag (STARTING, RUNNING, EXITED, STOPPED), else 0;</li>
 *   <li>{@code umonitor.unikernel.cpu} (seconds) and {@code umonitor.unikernel.memory} (resident bytes) of
 *       the current run's host process tree ({@link Monitor#stats}), read at each scrape;</li>
 *   <li>{@code umonitor.launch}: a timer from launch (STARTING) to RUNNING, one sample per launch and
 *       restart.</li>
 * </ul>
 * For the monitor as a whole ({@link Monitor#logCounters}):
 * <ul>
 *   <li>{@code umonitor.input.refused}, tagged {@code reason}: TCP connections refused or closed by admission
 *       control ({@code helloTimeout}, {@code pendingEvicted}, {@code perPeer}, {@code noSlot},
 *       {@code attachedShare}) and input refused before any sender was known ({@code unattributed}: a bad
 *       or missing HELLO, an unknown name or token);</li>
 *   <li>{@code umonitor.connections}, tagged {@code kind}: open TCP log connections of launched guests
 *       ({@code launched}), of attached senders ({@code attached}) and still waiting for a HELLO
 *       ({@code pending});</li>
 *   <li>{@code umonitor.sink.queue} (records waiting for the sink now) and {@code umonitor.sink.failures},
 *       tagged {@code sink}.</li>
 * </ul>
 * Unikernels launched after {@link #bindTo} get their meters when they start. Meters read the monitor when
 * the registry asks (a scrape), so binding costs nothing per record.
 *
 * <pre>{@code
 * try (UmonitorMetrics metrics = new UmonitorMetrics(monitor)) {
 *     metrics.bindTo(registry);
 *     ...
 * }
 * }</pre>
 *
 * <p>Thread-safe. {@link #close()} stops listening and removes the meters it registered.
 *
 * @since 0.2
 */
public final class UmonitorMetrics implements MeterBinder, AutoCloseable {
    private final Monitor monitor;
    private final Map<String, Instant> launchedAt = new ConcurrentHashMap<>();
    private final Map<String, Boolean> bound = new ConcurrentHashMap<>();
    private final List<Meter> meters = new ArrayList<>();
    private MeterRegistry registry;
    private final LifecycleListener listener = this::onEvent;

    public UmonitorMetrics(Monitor monitor) {
        this.monitor = Objects.requireNonNull(monitor, "monitor");
    }

    @Override
    public synchronized void bindTo(MeterRegistry registry) {
        if (this.registry != null) {
            throw new IllegalStateException("UmonitorMetrics is bound to a registry already: create one per"
                    + " registry, or add the registries to a CompositeMeterRegistry and bind that");
        }
        this.registry = Objects.requireNonNull(registry, "registry");
        monitor.addLifecycleListener(listener);
        registerMonitorWide();
        for (UnikernelHandle handle : monitor.unikernels()) {
            register(handle.name());
        }
    }

    private void onEvent(LifecycleEvent event) {
        if (event.state() == UnikernelState.STARTING) {
            // Not registered yet: the handle (and so the backend tag) may not be findable before launch returns.
            launchedAt.put(event.unikernel(), event.at());
            return;
        }
        register(event.unikernel());
        if (event.state() == UnikernelState.RUNNING) {
            Instant start = launchedAt.remove(event.unikernel());
            if (start != null) {
                launchTimer(event.unikernel()).record(Duration.between(start, event.at()));
            }
        }
    }

    private synchronized Timer launchTimer(String name) {
        return Timer.builder("umonitor.launch").description("time from launch to RUNNING")
                .tags(tags(name)).register(registry);
    }

    private synchronized void register(String name) {
        if (registry == null || bound.putIfAbsent(name, Boolean.TRUE) != null) {
            return;
        }
        Tags tags = tags(name);
        counter("umonitor.records.received", "records received from the unikernel (all origins)", tags, name,
                LogStats::received);
        counter("umonitor.records.lost", "records missing from sequence gaps", tags, name, LogStats::lost);
        counter("umonitor.records.rejected", "frames or datagrams refused (bad token, protocol error)", tags,
                name, LogStats::rejected);
        counter("umonitor.records.dropped", "records accepted but not stored by a sink (overflow, failures)",
                tags, name, LogStats::dropped);
        meters.add(FunctionCounter.builder("umonitor.unikernel.restarts", monitor,
                        m -> m.find(name).map(UnikernelHandle::restarts).orElse(0))
                .description("restarts so far").tags(tags).register(registry));
        meters.add(FunctionCounter.builder("umonitor.unikernel.cpu", monitor, m -> stat(m, name,
                        st -> (st.cpuUser().toNanos() + st.cpuSystem().toNanos()) / 1e9))
                .description("CPU seconds of the current run's host process tree").baseUnit("seconds").tags(tags)
                .register(registry));
        meters.add(Gauge.builder("umonitor.unikernel.memory", monitor, m -> stat(m, name, st -> st.rssBytes()))
                .description("resident memory of the host process tree").baseUnit("bytes").tags(tags)
                .register(registry));
        for (UnikernelState state : UnikernelState.values()) {
            meters.add(Gauge.builder("umonitor.unikernel.state", monitor,
                            m -> m.find(name).map(h -> h.state() == state ? 1.0 : 0.0).orElse(0.0))
                    .description("1 while the unikernel is in this state").tags(tags.and("state", state.name()))
                    .register(registry));
        }
    }

    /** Meters over the monitor-wide counters: the set of keys is fixed once the monitor is built. */
    private void registerMonitorWide() {
        for (String key : monitor.logCounters().keySet()) {
            if (key.startsWith("tcp.refused.") || key.equals("input.refused.unattributed")) {
                String reason = key.substring(key.lastIndexOf('.') + 1);
                meters.add(FunctionCounter.builder("umonitor.input.refused", monitor, m -> monitorCounter(m, key))
                        .description("log input refused, by reason").tags("reason", reason).register(registry));
            } else if (key.startsWith("tcp.connections.")) {
                meters.add(Gauge.builder("umonitor.connections", monitor, m -> monitorCounter(m, key))
                        .description("open TCP log connections").tags("kind", key.substring(16))
                        .register(registry));
            } else if (key.startsWith("sink.") && key.endsWith(".queued")) {
                meters.add(Gauge.builder("umonitor.sink.queue", monitor, m -> monitorCounter(m, key))
                        .description("records waiting for the sink").tags("sink", key.substring(5, key.length() - 7))
                        .register(registry));
            } else if (key.startsWith("sink.") && key.endsWith(".failures")) {
                meters.add(FunctionCounter.builder("umonitor.sink.failures", monitor, m -> monitorCounter(m, key))
                        .description("records or flushes the sink failed to store")
                        .tags("sink", key.substring(5, key.length() - 9)).register(registry));
            }
        }
    }

    private static double monitorCounter(Monitor monitor, String key) {
        return monitor.logCounters().getOrDefault(key, 0L);
    }

    private static double stat(Monitor monitor, String name, ToDoubleFunction<UnikernelStats> figure) {
        try {
            return monitor.stats(name).map(figure::applyAsDouble).orElse(0.0);
        } catch (RuntimeException e) {
            return 0.0; // gone from the monitor since the scrape began
        }
    }

    private void counter(String meter, String description, Tags tags, String name, ToDoubleFunction<LogStats> f) {
        meters.add(FunctionCounter.builder(meter, monitor, m -> f.applyAsDouble(m.logStats(name)))
                .description(description).tags(tags).register(registry));
    }

    private Tags tags(String name) {
        String backend = monitor.find(name).map(UnikernelHandle::backendId).orElse("unknown");
        return Tags.of("unikernel", name, "backend", backend);
    }

    @Override
    public synchronized void close() {
        monitor.removeLifecycleListener(listener);
        if (registry != null) {
            for (Meter meter : meters) {
                registry.remove(meter);
            }
            for (String name : bound.keySet()) {
                Timer timer = registry.find("umonitor.launch").tags("unikernel", name).timer();
                if (timer != null) {
                    registry.remove(timer);
                }
            }
        }
        meters.clear();
        bound.clear();
    }
}
