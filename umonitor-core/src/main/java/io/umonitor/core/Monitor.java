package io.umonitor.core;

import io.umonitor.api.BackendUnavailableException;
import io.umonitor.api.ConfigurationException;
import io.umonitor.api.ExitInfo;
import io.umonitor.api.LaunchException;
import io.umonitor.api.LifecycleListener;
import io.umonitor.api.LogFilter;
import io.umonitor.api.LogRecord;
import io.umonitor.api.LogStats;
import io.umonitor.api.NetworkSpec;
import io.umonitor.api.Subscription;
import io.umonitor.api.UnikernelHandle;
import io.umonitor.api.UnikernelSpec;
import io.umonitor.api.UnikernelState;
import io.umonitor.api.Availability;
import io.umonitor.api.CollectorEndpoint;
import io.umonitor.api.ProvisionedNetwork;
import io.umonitor.api.UnikernelStats;
import io.umonitor.api.spi.ImageRecognition;
import io.umonitor.api.spi.LogSink;
import io.umonitor.api.spi.NetworkProvisioner;
import io.umonitor.api.spi.UnikernelBackend;
import io.umonitor.core.internal.LogHubFactory;
import io.umonitor.core.internal.ManagedUnikernel;
import io.umonitor.core.internal.MonitorContext;
import io.umonitor.core.internal.assembly.MonitorDirectories;
import io.umonitor.core.gateway.GatewayOptions;
import io.umonitor.core.gateway.InvocationGateway;
import io.umonitor.core.gateway.Invocations;
import io.umonitor.core.internal.collect.CollectorExtensions;
import io.umonitor.core.internal.gateway.DefaultInvocationGateway;
import io.umonitor.core.internal.log.LogHub;
import io.umonitor.core.internal.stats.HostProcStats;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

// Over 500 lines because it is the whole public surface of a monitor: each method and each Builder
// option carries the javadoc users read. Putting a monitor together lives in MonitorAssembly and
// internal.assembly; running unikernels in internal.ManagedUnikernel.
/**
 * The entry point platforms embed: launches unikernels through backends, gives them network devices,
 * collects their logs and watches their exits.
 *
 * <pre>{@code
 * try (Monitor monitor = Monitor.builder().build()) {
 *     UnikernelHandle web = monitor.launch(UnikernelSpec.builder("web", Path.of("web.hvt")).build());
 *     monitor.follow("web", LogFilter.atLeast(LogLevel.INFO), System.out::println);
 *     web.termination().join();
 * }
 * }</pre>
 *
 * <p>Backends, network provisioners and log sinks are found with {@link java.util.ServiceLoader} and can
 * also be passed to the {@link Builder}. Everything a monitor writes about a unikernel (launched, running,
 * exited with code N, restarted, stopped, launch failed) is also a {@link io.umonitor.api.LogOrigin#MONITOR}
 * record in that unikernel's log, so one log tells the whole story.
 *
 * <p>Thread-safe. {@link #close()} is idempotent and stops everything in order: refuse new launches, stop
 * unikernels (grace period, then kill), remove network devices, drain the collectors, flush and close the
 * sinks. A monitor the application never closes is closed when the JVM exits (see
 * {@link Builder#closeOnJvmExit}), so no guest outlives it.
 *
 * @since 0.1
 */
public final class Monitor implements AutoCloseable {
    private static final HostProcStats PROC_STATS = new HostProcStats();
    private static final Logger LOG = LoggerFactory.getLogger(Monitor.class);

    private final MonitorContext context;
    private final LogHub hub;
    private final Map<String, UnikernelBackend> backends;
    private final Map<String, Availability> backendAvailability;
    private final List<String> brokenProviders;
    /** Backends on the classpath that discovery (switched off) did not load: "id (artifact)". */
    private final List<String> undiscoveredBackends;
    /** Handed to providers in their ProviderContext; shut down once they are closed. */
    private final ScheduledExecutorService providerScheduler;
    private final Map<String, NetworkProvisioner> provisioners;
    private final MonitorDirectories directories;
    private final Map<String, ManagedUnikernel> unikernels = new LinkedHashMap<>();
    private final AtomicBoolean closeStarted = new AtomicBoolean();
    private final CompletableFuture<Void> closed = new CompletableFuture<>();
    private DefaultInvocationGateway gateway;
    private CollectorExtensions.Started collectors;
    private volatile Thread shutdownHook;
    /** Attach mode: a name may start sending at any time, so following it early is no mistake. */
    private volatile boolean acceptsAttachedSenders;

    Monitor(MonitorContext context, Map<String, UnikernelBackend> backends,
            Map<String, Availability> backendAvailability, List<String> brokenProviders,
            Map<String, NetworkProvisioner> provisioners, MonitorDirectories directories,
            List<String> undiscoveredBackends, ScheduledExecutorService providerScheduler) {
        this.context = context;
        this.providerScheduler = providerScheduler;
        this.undiscoveredBackends = undiscoveredBackends;
        this.hub = context.hub();
        this.backends = backends;
        this.backendAvailability = backendAvailability;
        this.brokenProviders = brokenProviders;
        this.provisioners = provisioners;
        this.directories = directories;
    }

    /** Starts configuring a monitor. */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Launches a unikernel and returns its handle at once; the launch itself happens on a monitor thread
     * and the handle's state moves on from {@link UnikernelState#STARTING}. A launch that fails (the
     * backend refuses it, or the guest ends before it runs) ends the handle with a
     * {@link io.umonitor.api.ExitClassification#LAUNCHER_ERROR} or the guest's own exit, and a
     * "launch failed" record with the exit code and the last console lines; nothing it created is left
     * behind. Use {@link #launchAndAwaitRunning} to get such failures as an exception.
     *
     * @throws BackendUnavailableException when no backend fits the spec (the message lists every backend
     *     found and why each is unusable), or TAP devices are asked for and no provisioner is usable
     * @throws ConfigurationException when a unikernel of that name is still running
     * @throws LaunchException when the monitor is closing
     */
    public UnikernelHandle launch(UnikernelSpec spec) {
        Objects.requireNonNull(spec, "spec");
        if (closeStarted.get()) {
            throw closingException(spec);
        }
        UnikernelBackend backend = chooseBackend(spec);
        boolean wantsTap = spec.networks().stream().anyMatch(n -> n.mode() == NetworkSpec.Mode.TAP);
        ManagedUnikernel unikernel = new ManagedUnikernel(context, spec, backend);
        synchronized (unikernels) {
            if (closeStarted.get()) {
                throw closingException(spec);
            }
            ManagedUnikernel existing = unikernels.get(spec.name());
            if (existing != null && !existing.termination().isDone()) {
                throw new ConfigurationException("unikernel name '" + spec.name() + "' is in use by a unikernel that is "
                        + existing.state() + ": stop it first or choose another name");
            }
            if (wantsTap) {
                checkTapProvisioning(spec);
            }
            // A finished unikernel of the same name is replaced; its log history continues.
            unikernels.remove(spec.name());
            unikernels.put(spec.name(), unikernel);
        }
        unikernel.start();
        return unikernel;
    }

    private static LaunchException closingException(UnikernelSpec spec) {
        return new LaunchException("cannot launch unikernel '" + spec.name()
                + "': the monitor is closing; build a new Monitor to launch more");
    }

    /**
     * Launches a unikernel and waits until its backend reports it running.
     *
     * @throws LaunchException when it ends before running (with the exit code and the last console lines)
     *     or does not run within {@code timeout} (it is then stopped)
     */
    public UnikernelHandle launchAndAwaitRunning(UnikernelSpec spec, Duration timeout) {
        ManagedUnikernel unikernel = (ManagedUnikernel) launch(spec);
        try {
            CompletableFuture.anyOf(unikernel.firstRunning(), unikernel.termination())
                    .get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            unikernel.stop();
            throw new LaunchException("unikernel '" + spec.name() + "' did not report running within " + timeout
                    + " and was stopped: look at its log with logs(\"" + spec.name() + "\", LogFilter.ALL) or allow "
                    + "more time");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            unikernel.stop();
            throw new LaunchException("interrupted while launching unikernel '" + spec.name() + "'", e);
        } catch (ExecutionException e) {
            throw new IllegalStateException("termination never completes exceptionally", e);
        }
        if (!unikernel.firstRunning().isDone()) {
            ExitInfo exit = unikernel.termination().join();
            throw new LaunchException("unikernel '" + spec.name() + "' failed to start: " + exit.summaryWithConsole());
        }
        return unikernel;
    }

    /** Every unikernel launched and not replaced by a later one of the same name, in launch order. */
    public List<UnikernelHandle> unikernels() {
        synchronized (unikernels) {
            return List.copyOf(unikernels.values());
        }
    }

    /** The unikernel of that name, if this monitor launched one. */
    public Optional<UnikernelHandle> find(String name) {
        synchronized (unikernels) {
            return Optional.ofNullable(unikernels.get(name));
        }
    }

    /**
     * Facts about the current run of a unikernel for operators, from its backend: e.g. {@code pid}, and
     * {@code gdb}, the command that attaches a debugger. Empty when it is not running or unknown.
     */
    public Map<String, String> details(String name) {
        ManagedUnikernel unikernel;
        synchronized (unikernels) {
            unikernel = unikernels.get(name);
        }
        if (unikernel == null) {
            return Map.of();
        }
        Map<String, String> details = new LinkedHashMap<>(unikernel.details());
        unikernel.pid().ifPresent(pid -> details.putIfAbsent("pid", Long.toString(pid)));
        return Collections.unmodifiableMap(details);
    }

    /**
     * The in-memory log history of a unikernel or attached sender that matches {@code filter}, oldest
     * first.
     *
     * @throws ConfigurationException when this monitor never launched a unikernel of that name and no
     *     sender of that name has a log (a misspelt name would otherwise look like a silent guest), unless
     *     the monitor accepts attached senders (then the name may attach later; the list is empty till then)
     */
    public List<LogRecord> logs(String name, LogFilter filter) {
        if (!acceptsAttachedSenders) {
            requireKnownName("logs", Objects.requireNonNull(name, "name"));
        }
        return hub.history(Objects.requireNonNull(name, "name"), Objects.requireNonNull(filter, "filter"));
    }

    /**
     * Replays the matching history of {@code name} (null: of everyone, present and future), then delivers
     * new matching records as they arrive, on a monitor thread, until the returned subscription is closed.
     * The consumer must not block. Follow a unikernel after {@link #launch}: the replay includes what it
     * logged in between.
     *
     * @throws ConfigurationException when {@code name} is neither a unikernel this monitor launched nor a
     *     sender with a log, unless the monitor accepts attached senders (then the name may attach later)
     */
    public Subscription follow(String name, LogFilter filter, Consumer<LogRecord> consumer) {
        if (name != null && !acceptsAttachedSenders) {
            requireKnownName("follow", name);
        }
        return hub.follow(name, Objects.requireNonNull(filter, "filter"), Objects.requireNonNull(consumer, "consumer"));
    }

    private void requireKnownName(String call, String name) {
        if (find(name).isPresent() || hub.senders().contains(name)) {
            return;
        }
        throw new ConfigurationException("Monitor." + call + "(\"" + name + "\", ...): no unikernel or sender named '"
                + name + "' in this monitor: launch it first with Monitor.launch(...)" + (call.equals("follow")
                ? " and follow it then (its history is replayed, so nothing is missed), or follow(null, ...) for "
                        + "every unikernel present and future" : "")
                + "; Monitor.senders() lists the names with logs");
    }

    /**
     * Adds a record to the log of {@code record.unikernel()}, as if umonitor had written it: history,
     * followers and sinks get it. For what a platform does on a unikernel's behalf, e.g. the output of
     * the build that produced its image, so that one log tells the whole story.
     */
    public void publish(LogRecord record) {
        hub.publish(Objects.requireNonNull(record, "record"));
    }

    /**
     * Resource figures of a running unikernel (CPU time, memory of its host process tree, its taps'
     * counters, uptime, restarts), read from the host when called; empty while it has no host process
     * (starting, exited, stopped, or a backend without one).
     *
     * @throws io.umonitor.api.ConfigurationException when this monitor has no unikernel of that name
     */
    public Optional<UnikernelStats> stats(String name) {
        ManagedUnikernel unikernel;
        synchronized (unikernels) {
            unikernel = unikernels.get(Objects.requireNonNull(name, "name"));
        }
        if (unikernel == null) {
            throw new io.umonitor.api.ConfigurationException("no unikernel named '" + name + "' in this monitor:"
                    + " Monitor.unikernels() lists the ones it has");
        }
        java.util.OptionalLong pid = unikernel.pid();
        if (pid.isEmpty()) {
            return Optional.empty();
        }
        return PROC_STATS.sample(name, pid.getAsLong(), unikernel.restarts(),
                unikernel.networks().stream().map(ProvisionedNetwork::deviceName).toList());
    }

    /**
     * Counters of one log stream (received, lost, rejected in total and by {@link io.umonitor.api.RejectReason},
     * dropped), across restarts.
     */
    public LogStats logStats(String name) {
        return hub.stats(name);
    }

    /**
     * Monitor-wide counters of the logging half by name, e.g. {@code tcp.refused.helloTimeout} (connections
     * closed for not sending a valid HELLO in time) or {@code sink.file.failures}; for {@code ps} and health checks.
     */
    public Map<String, Long> logCounters() {
        return hub.counters();
    }

    /**
     * Makes the file sink close its log files and start fresh ones at their paths before its next write, for
     * log rotation that moves files away (it also notices a moved or deleted file by itself within a second).
     */
    public void reopenLogFiles() {
        hub.reopenFiles();
    }

    /** Names of every sender with a log history: launched unikernels and attached senders. */
    public List<String> senders() {
        return hub.senders();
    }

    /** Where the log collectors listen on the host's loopback; attached senders send here. */
    public List<CollectorEndpoint> endpoints() {
        return hub.loopbackEndpoints();
    }

    /**
     * The invocation gateway, when {@link Builder#invocationGateway(GatewayOptions)} enabled it: where
     * unikernels connect, the live log stream and the web page.
     */
    public Optional<InvocationGateway> gateway() {
        return Optional.ofNullable(gateway);
    }

    /**
     * Calls into the unikernel {@code name} through the invocation gateway; valid before it launches and
     * across its restarts. See {@link Invocations}.
     *
     * @throws ConfigurationException when the monitor was built without an invocation gateway
     */
    public Invocations invocations(String name) {
        if (gateway == null) {
            throw new ConfigurationException("cannot invoke unikernel '" + name + "': this monitor has no invocation "
                    + "gateway; build it with Monitor.builder().invocationGateway(GatewayOptions.defaults())");
        }
        return gateway.invocations(name);
    }

    /** Every backend found, with whether it can run here and, if not, why. */
    public Map<String, Availability> backends() {
        return backendAvailability;
    }

    /** Receives every state change of every unikernel, on a monitor thread, in order; must not block. */
    public void addLifecycleListener(LifecycleListener listener) {
        context.addListener(Objects.requireNonNull(listener, "listener"));
    }

    public void removeLifecycleListener(LifecycleListener listener) {
        context.removeListener(listener);
    }

    /**
     * Stops everything: refuses new launches, stops every unikernel (grace period, then kill), removes
     * network devices, then closes the logging (drains collectors, flushes and closes sinks). Idempotent;
     * a second call waits for the first to finish.
     */
    @Override
    public void close() {
        if (!closeStarted.compareAndSet(false, true)) {
            closed.join();
            return;
        }
        removeShutdownHook();
        try {
            context.markClosing();
            List<ManagedUnikernel> all;
            synchronized (unikernels) {
                all = new ArrayList<>(unikernels.values());
            }
            for (ManagedUnikernel u : all) {
                u.requestStop(context.stopGrace());
            }
            for (ManagedUnikernel u : all) {
                try {
                    u.stop(context.stopGrace());
                } catch (RuntimeException e) {
                    LOG.error("could not stop {} while closing", u, e);
                }
            }
            // Networks are released as each run ends; what remains are the providers themselves.
            for (NetworkProvisioner provisioner : provisioners.values()) {
                closeProvider(provisioner, "network provisioner '" + provisioner.id() + "'");
            }
            for (UnikernelBackend backend : backends.values()) {
                closeProvider(backend, "backend '" + backend.id() + "'");
            }
            providerScheduler.shutdownNow();
            context.shutdownThreads();
            if (gateway != null) {
                try {
                    gateway.close();
                } catch (RuntimeException e) {
                    LOG.error("closing the invocation gateway failed", e);
                }
            }
            if (collectors != null) {
                collectors.close();
            }
            try {
                hub.close();
            } catch (RuntimeException e) {
                LOG.error("closing the log hub failed", e);
            }
            directories.deleteScratch();
        } finally {
            closed.complete(null);
        }
    }

    private void removeShutdownHook() {
        Thread hook = shutdownHook;
        if (hook != null && hook != Thread.currentThread()) {
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException e) {
                // The JVM is already shutting down; the hook runs or has run close().
            }
        }
    }

    private static void closeProvider(AutoCloseable provider, String what) {
        try {
            provider.close();
        } catch (Exception e) {
            LOG.warn("closing {} failed", what, e);
        }
    }

    /** For tests and diagnostics: whether a run of {@code name} is registered with the log collectors now. */
    boolean isSenderRegistered(String name) {
        return context.isSenderRegistered(name);
    }

    /** The scratch directory (run directories live under {@code runs/}). */
    Path workDirectory() {
        return directories.work();
    }

    /** Set while the monitor is assembled, in attach mode. */
    void acceptsAttachedSenders(boolean value) {
        this.acceptsAttachedSenders = value;
    }

    /** Set once while the monitor is assembled. */
    void gateway(DefaultInvocationGateway value) {
        this.gateway = value;
    }

    /** Set once while the monitor is assembled: closed before the hub. */
    void collectors(CollectorExtensions.Started value) {
        this.collectors = value;
    }

    /** Closes this monitor when the JVM exits, unless {@link #close()} ran first. */
    void closeOnJvmExit() {
        Thread hook = new Thread(this::close, "umonitor-close-on-exit");
        shutdownHook = hook;
        Runtime.getRuntime().addShutdownHook(hook);
    }

    private UnikernelBackend chooseBackend(UnikernelSpec spec) {
        Optional<String> wanted = spec.backendId();
        if (wanted.isPresent()) {
            UnikernelBackend backend = backends.get(wanted.get());
            Availability availability = backendAvailability.get(wanted.get());
            if (backend == null || !availability.isUsable()) {
                String what = backend == null ? "is not installed" : "cannot run here: " + availability.reason();
                throw new BackendUnavailableException("backend '" + wanted.get() + "' asked for by unikernel '"
                        + spec.name() + "' " + what + "; found " + foundBackends());
            }
            return backend;
        }
        List<String> usable = backendAvailability.entrySet().stream().filter(e -> e.getValue().isUsable())
                .map(Map.Entry::getKey).toList();
        if (!Files.exists(spec.image()) && usable.size() != 1) {
            // With one usable backend, that backend says what it expected the image to be.
            throw new ConfigurationException("image " + spec.image() + " of unikernel '" + spec.name()
                    + "' does not exist: build it or fix the path");
        }
        // Each backend judges the image; the only usable one that recognises it runs it.
        Map<String, ImageRecognition> verdicts = new LinkedHashMap<>();
        backends.forEach((id, backend) -> verdicts.put(id, recognise(backend, spec.image())));
        List<String> recognising = usable.stream().filter(id -> verdicts.get(id).isRecognised()).toList();
        if (recognising.size() == 1) {
            return backends.get(recognising.get(0));
        }
        String judged = verdicts.entrySet().stream().map(e -> e.getKey() + ": " + e.getValue().reason())
                .collect(Collectors.joining("; "));
        if (recognising.size() > 1) {
            throw new ConfigurationException("image " + spec.image() + " of unikernel '" + spec.name()
                    + "' is recognised by " + recognising.size() + " backends " + recognising + " (" + judged
                    + "): choose one with UnikernelSpec.builder(...).backend(\"ID\")");
        }
        List<String> unusableRecognising = verdicts.entrySet().stream().filter(e -> e.getValue().isRecognised())
                .map(Map.Entry::getKey).toList();
        if (!unusableRecognising.isEmpty()) {
            String id = unusableRecognising.get(0);
            throw new BackendUnavailableException("image " + spec.image() + " of unikernel '" + spec.name() + "' is "
                    + verdicts.get(id).reason() + ", which backend '" + id + "' runs, but it cannot run here: "
                    + backendAvailability.get(id).reason());
        }
        // Backends that do not inspect images: the only usable one, as before images were inspected.
        List<String> undecided = usable.stream()
                .filter(id -> verdicts.get(id).verdict() == ImageRecognition.Verdict.CANNOT_TELL).toList();
        if (usable.size() == 1 && (undecided.size() == 1 || !Files.exists(spec.image()))) {
            return backends.get(usable.get(0));
        }
        if (usable.isEmpty()) {
            throw new BackendUnavailableException("no usable backend for unikernel '" + spec.name() + "': found "
                    + foundBackends() + "; fix one of them as its reason says, or add another backend's module to "
                    + "the classpath");
        }
        if (undecided.isEmpty()) {
            throw new ConfigurationException("no backend recognises image " + spec.image() + " of unikernel '"
                    + spec.name() + "' (" + judged + "): give a Linux program, a Solo5 unikernel or a multiboot "
                    + "kernel, or choose a backend with UnikernelSpec.builder(...).backend(\"ID\")");
        }
        throw new ConfigurationException("unikernel '" + spec.name() + "' names no backend and " + usable.size()
                + " are usable here " + usable + " (" + judged + "): choose one with "
                + "UnikernelSpec.builder(...).backend(\"ID\")");
    }

    private static ImageRecognition recognise(UnikernelBackend backend, Path image) {
        try {
            return backend.recognise(image);
        } catch (RuntimeException e) {
            // A backend that fails to judge an image is no reason to fail the launch: it just does not claim it.
            return ImageRecognition.notRecognised("failed to inspect the image (" + e + ")");
        }
    }

    private String foundBackends() {
        if (backendAvailability.isEmpty() && brokenProviders.isEmpty()) {
            return "no backend at all (" + (undiscoveredBackends.isEmpty()
                    ? "add a module with a UnikernelBackend to the classpath"
                    : "the classpath holds " + undiscoveredBackends + " but provider discovery is off: turn it on "
                            + "with Monitor.builder().discoverProviders(true)")
                    + ", or pass one to Monitor.builder().backend(...))";
        }
        String found = backendAvailability.entrySet().stream()
                .map(e -> e.getKey() + " (" + (e.getValue().isUsable() ? "usable" : "unusable: " + e.getValue().reason())
                        + ")" + artifactOf(e.getKey()))
                .collect(Collectors.joining(", ", "[", "]"));
        if (!brokenProviders.isEmpty()) {
            found += "; broken providers: " + String.join("; ", brokenProviders);
        }
        return found;
    }

    /** " from ARTIFACT" when the backend says where it comes from, so a reader knows what to fix or remove. */
    private String artifactOf(String backendId) {
        UnikernelBackend backend = backends.get(backendId);
        String artifact = backend == null ? null : backend.artifact();
        return artifact == null || artifact.equals(backend.getClass().getName()) ? "" : " from " + artifact;
    }

    private void checkTapProvisioning(UnikernelSpec spec) {
        context.tapProvisioner(spec.name());
    }

    /**
     * Configures a {@link Monitor}. Not thread-safe. Provider settings are given as properties
     * {@code ID.key=value} (e.g. {@code solo5.tender=hvt}); each provider receives its own without the
     * prefix, and rejects keys it does not know. {@code ID.enabled=false} switches one discovered or passed
     * backend, network provisioner or log sink off (e.g. {@code file.enabled=false}: no log files).
     * {@code log.*} settings go to the logging.
     */
    public static final class Builder {
        final List<UnikernelBackend> backends = new ArrayList<>();
        final List<NetworkProvisioner> provisioners = new ArrayList<>();
        final List<LogSink> sinks = new ArrayList<>();
        final Map<String, String> properties = new LinkedHashMap<>();
        boolean discover = true;
        ClassLoader classLoader;
        Path stateDirectory;
        Path workDirectory;
        Duration stopGrace = Duration.ofSeconds(10);
        int consoleLinesKept = 20;
        Duration senderLinger = Duration.ofSeconds(1);
        String networkProvisionerId;
        String attachToken;
        boolean closeOnJvmExit = true;
        boolean sweepLeftoverGuests = true;
        LogHubFactory logHubFactory;
        GatewayOptions gatewayOptions;

        private Builder() {
        }

        /**
         * Starts an {@link InvocationGateway} with the monitor: a WebSocket server unikernels connect to so
         * the platform can invoke them ({@link Monitor#invocations}), the live log stream and a read-only web
         * page. Off by default. Backends tell each guest where it listens in the guest parameter
         * {@code UMONITOR_WS}.
         */
        public Builder invocationGateway(GatewayOptions options) {
            this.gatewayOptions = Objects.requireNonNull(options, "options");
            return this;
        }

        /** Adds a backend besides those found on the classpath. */
        public Builder backend(UnikernelBackend backend) {
            backends.add(Objects.requireNonNull(backend, "backend"));
            return this;
        }

        /** Adds a network provisioner besides those found on the classpath. */
        public Builder networkProvisioner(NetworkProvisioner provisioner) {
            provisioners.add(Objects.requireNonNull(provisioner, "provisioner"));
            return this;
        }

        /** Adds a log sink besides those found on the classpath. */
        public Builder sink(LogSink sink) {
            sinks.add(Objects.requireNonNull(sink, "sink"));
            return this;
        }

        /** Whether to look for providers with ServiceLoader (default true); false uses only those passed here. */
        public Builder discoverProviders(boolean value) {
            this.discover = value;
            return this;
        }

        /** The class loader ServiceLoader searches (default: the thread's context class loader). */
        public Builder classLoader(ClassLoader value) {
            this.classLoader = value;
            return this;
        }

        /** One provider setting, {@code ID.key} (e.g. {@code tap.pool=10.77.0.0/16}). */
        public Builder property(String key, String value) {
            Objects.requireNonNull(key, "key");
            Objects.requireNonNull(value, "value");
            properties.put(key, value);
            return this;
        }

        public Builder properties(Map<String, String> values) {
            values.forEach(this::property);
            return this;
        }

        /**
         * Where providers keep state that must survive a monitor crash (default: {@code state/} in the
         * command line's directory, {@link UmonitorHome#state()}; tap devices do not survive a reboot either).
         */
        public Builder stateDirectory(Path value) {
            this.stateDirectory = value;
            return this;
        }

        /**
         * Scratch space for run directories; default: a new temporary directory deleted on close. When set,
         * the file sink's default directory is {@code logs/} in it instead of {@link UmonitorHome#logs()}.
         */
        public Builder workDirectory(Path value) {
            this.workDirectory = value;
            return this;
        }

        /**
         * How long a stopped unikernel may take to end before it is killed (default 10 s; zero or more,
         * checked by {@link #build()} with every other setting).
         */
        public Builder stopGrace(Duration value) {
            this.stopGrace = Objects.requireNonNull(value, "stopGrace");
            return this;
        }

        /** How many console lines of each run an exit report carries (default 20; zero or more). */
        public Builder consoleLinesKept(int value) {
            this.consoleLinesKept = value;
            return this;
        }

        /**
         * How long after a guest ended its token stays valid, so records it sent just before the end are
         * still taken (default 1 s; zero or more).
         */
        public Builder senderLinger(Duration value) {
            this.senderLinger = Objects.requireNonNull(value, "senderLinger");
            return this;
        }

        /** Which provisioner creates TAP devices when several are usable. */
        public Builder networkProvisionerId(String id) {
            this.networkProvisionerId = id;
            return this;
        }

        /**
         * Attach mode: also accept log senders umonitor did not launch, keeping records per sender name.
         * {@code token} is the token they must present; empty accepts any sender (collectors stay on loopback).
         */
        public Builder acceptAttachedSenders(String token) {
            this.attachToken = Objects.requireNonNull(token, "token");
            return this;
        }

        /**
         * Where the TCP log collector listens (default: loopback, any free port; null: no TCP collector).
         * Same as the setting {@code log.tcpAddress}.
         */
        public Builder tcpCollector(InetSocketAddress address) {
            return property("log.tcpAddress", address == null ? "off" : hostAndPort(address));
        }

        /**
         * Where the UDP log collector listens (default: loopback, any free port; null: no UDP collector).
         * Same as the setting {@code log.udpAddress}.
         */
        public Builder udpCollector(InetSocketAddress address) {
            return property("log.udpAddress", address == null ? "off" : hostAndPort(address));
        }

        /** How many records of each unikernel {@link Monitor#logs} and {@link Monitor#follow} keep in memory. */
        public Builder historySize(int records) {
            return property("log.historySize", Integer.toString(records));
        }

        private static String hostAndPort(InetSocketAddress address) {
            String host = address.getAddress() != null ? address.getAddress().getHostAddress() : address.getHostString();
            return (host.contains(":") ? "[" + host + "]" : host) + ":" + address.getPort();
        }

        /**
         * Whether the monitor closes itself (stopping its unikernels) when the JVM exits without
         * {@link Monitor#close()} having been called, so no guest outlives its monitor (default true).
         */
        public Builder closeOnJvmExit(boolean value) {
            this.closeOnJvmExit = value;
            return this;
        }

        /**
         * Whether building the monitor kills guest processes that monitors killed earlier (SIGKILL, power
         * loss) left running (default true). Every guest process a monitor starts is recorded under
         * {@code STATE/guests/} until it ends; a new monitor sharing that {@linkplain #stateDirectory state
         * directory} kills a recorded process only when its monitor is gone and the process is still the
         * one recorded (same pid and start time), so another live monitor's guests and reused pids are
         * never touched. Turn it off when something else (e.g. a supervisor that adopts orphans) owns
         * that clean-up.
         */
        public Builder sweepLeftoverGuests(boolean value) {
            this.sweepLeftoverGuests = value;
            return this;
        }

        /** Replaces the logging half (tests use a recording fake). */
        Builder logHubFactory(LogHubFactory factory) {
            this.logHubFactory = factory;
            return this;
        }

        /**
         * Finds and initializes providers and starts the log collectors.
         *
         * @throws ConfigurationException listing every invalid setting, duplicate provider id and failed
         *     provider initialization at once
         */
        public Monitor build() {
            return MonitorAssembly.assemble(this);
        }
    }
}
