package io.umonitor.core;

import io.umonitor.api.BackendUnavailableException;
import io.umonitor.api.ConfigurationException;
import io.umonitor.api.ExitInfo;
import io.umonitor.api.LaunchException;
import io.umonitor.api.LifecycleListener;
import io.umonitor.api.LogFilter;
import io.umonitor.api.LogRecord;
import io.umonitor.api.LogStats;
import io.umonitor.api.Names;
import io.umonitor.api.NetworkSpec;
import io.umonitor.api.UmonitorException;
import io.umonitor.api.UnikernelHandle;
import io.umonitor.api.UnikernelSpec;
import io.umonitor.api.UnikernelState;
import io.umonitor.api.UnikernelStats;
import io.umonitor.api.spi.Availability;
import io.umonitor.api.spi.CollectorEndpoint;
import io.umonitor.api.spi.LogSink;
import io.umonitor.api.spi.NetworkProvisioner;
import io.umonitor.api.spi.ProvisionedNetwork;
import io.umonitor.api.spi.ProviderContext;
import io.umonitor.api.spi.UnikernelBackend;
import io.umonitor.core.internal.DefaultLogHubFactory;
import io.umonitor.core.internal.Discovery;
import io.umonitor.core.internal.LogHubFactory;
import io.umonitor.core.internal.ManagedUnikernel;
import io.umonitor.core.internal.PrivateFiles;
import io.umonitor.core.internal.GuestRunState;
import io.umonitor.core.internal.MonitorContext;
import io.umonitor.core.gateway.GatewayOptions;
import io.umonitor.core.gateway.InvocationGateway;
import io.umonitor.core.gateway.Invocations;
import io.umonitor.core.internal.gateway.DefaultInvocationGateway;
import io.umonitor.core.internal.collect.CollectorExtensions;
import io.umonitor.core.internal.gateway.GatewayLogHub;
import io.umonitor.core.internal.log.LogHub;
import io.umonitor.core.internal.stats.HostProcStats;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
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
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

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
    private final Map<String, NetworkProvisioner> provisioners;
    private final Path workDirectory;
    private final boolean deleteWorkDirectory;
    private final Map<String, ManagedUnikernel> unikernels = new LinkedHashMap<>();
    private final AtomicBoolean closeStarted = new AtomicBoolean();
    private final CompletableFuture<Void> closed = new CompletableFuture<>();
    private DefaultInvocationGateway gateway;
    private volatile Thread shutdownHook;

    private Monitor(MonitorContext context, Map<String, UnikernelBackend> backends,
            Map<String, Availability> backendAvailability, List<String> brokenProviders,
            Map<String, NetworkProvisioner> provisioners, Path workDirectory, boolean deleteWorkDirectory) {
        this.context = context;
        this.hub = context.hub();
        this.backends = backends;
        this.backendAvailability = backendAvailability;
        this.brokenProviders = brokenProviders;
        this.provisioners = provisioners;
        this.workDirectory = workDirectory;
        this.deleteWorkDirectory = deleteWorkDirectory;
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
            throw new LaunchException("unikernel '" + spec.name() + "' failed to start: " + describe(exit));
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
     * first. Unknown names give an empty list.
     */
    public List<LogRecord> logs(String name, LogFilter filter) {
        return hub.history(Objects.requireNonNull(name, "name"), Objects.requireNonNull(filter, "filter"));
    }

    /**
     * Replays the matching history of {@code name} (null: of everyone), then delivers new matching records
     * as they arrive, on a monitor thread, until the returned handle is closed. The consumer must not block.
     */
    public AutoCloseable follow(String name, LogFilter filter, Consumer<LogRecord> consumer) {
        return hub.follow(name, Objects.requireNonNull(filter, "filter"), Objects.requireNonNull(consumer, "consumer"));
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

    /** Counters of one log stream (received, lost, rejected, dropped), across restarts. */
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
            context.shutdownThreads();
            if (gateway != null) {
                try {
                    gateway.close();
                } catch (RuntimeException e) {
                    LOG.error("closing the invocation gateway failed", e);
                }
            }
            try {
                hub.close();
            } catch (RuntimeException e) {
                LOG.error("closing the log hub failed", e);
            }
            if (deleteWorkDirectory) {
                deleteScratch();
            }
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

    private static void closeProvider(Object provider, String what) {
        if (provider instanceof AutoCloseable closeable) {
            try {
                closeable.close();
            } catch (Exception e) {
                LOG.warn("closing {} failed", what, e);
            }
        }
    }

    /** For tests and diagnostics: whether a run of {@code name} is registered with the log collectors now. */
    boolean isSenderRegistered(String name) {
        return context.isSenderRegistered(name);
    }

    /** The scratch directory (run directories live under {@code runs/}). */
    Path workDirectory() {
        return workDirectory;
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
        if (usable.size() == 1) {
            return backends.get(usable.get(0));
        }
        if (usable.isEmpty()) {
            throw new BackendUnavailableException("no usable backend for unikernel '" + spec.name() + "': found "
                    + foundBackends() + "; fix one of them, or add a backend module (umonitor-solo5, "
                    + "umonitor-rumprun) to the classpath");
        }
        throw new ConfigurationException("unikernel '" + spec.name() + "' names no backend and " + usable.size()
                + " are usable here " + usable + ": choose one with UnikernelSpec.builder(...).backend(\"ID\")");
    }

    private String foundBackends() {
        if (backendAvailability.isEmpty() && brokenProviders.isEmpty()) {
            return "no backend at all (add umonitor-core's process backend, umonitor-solo5 or umonitor-rumprun "
                    + "to the classpath, or pass one to Monitor.builder().backend(...))";
        }
        String found = backendAvailability.entrySet().stream()
                .map(e -> e.getKey() + " (" + (e.getValue().isUsable() ? "usable" : "unusable: " + e.getValue().reason())
                        + ")")
                .collect(Collectors.joining(", ", "[", "]"));
        if (!brokenProviders.isEmpty()) {
            found += "; broken providers: " + String.join("; ", brokenProviders);
        }
        return found;
    }

    private void checkTapProvisioning(UnikernelSpec spec) {
        context.tapProvisioner(spec.name());
    }

    static String describe(ExitInfo exit) {
        String text = (exit.exitCode() >= 0 ? "exit code " + exit.exitCode() : "no exit code")
                + (exit.signal() != 0 ? ", signal " + exit.signal() : "")
                + " (" + exit.classification() + "): " + exit.description();
        if (exit.lastConsoleLines().isEmpty()) {
            return text + "; the console was empty";
        }
        return text + "; last console lines:\n  " + String.join("\n  ", exit.lastConsoleLines());
    }

    /** Removes the temporary work directory, except log files a sink wrote there by default. */
    private void deleteScratch() {
        Path logs = workDirectory.resolve("logs");
        boolean hasLogs;
        try (var entries = Files.exists(logs) ? Files.list(logs) : java.util.stream.Stream.<Path>empty()) {
            hasLogs = entries.findAny().isPresent();
        } catch (IOException e) {
            hasLogs = true;
        }
        if (!hasLogs) {
            deleteRecursively(workDirectory);
            return;
        }
        deleteRecursively(workDirectory.resolve("runs"));
        deleteRecursively(workDirectory.resolve("providers"));
        LOG.info("log files of this monitor are kept in {}", logs);
    }

    private static void deleteRecursively(Path root) {
        if (!Files.exists(root)) {
            return;
        }
        try {
            Files.walkFileTree(root, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                    Files.deleteIfExists(file);
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult postVisitDirectory(Path dir, IOException exc) throws IOException {
                    Files.deleteIfExists(dir);
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException e) {
            LOG.warn("could not delete the monitor's work directory {}: {}", root, e.toString());
        }
    }

    /**
     * Configures a {@link Monitor}. Not thread-safe. Provider settings are given as properties
     * {@code ID.key=value} (e.g. {@code solo5.tender=hvt}); each provider receives its own without the
     * prefix, and rejects keys it does not know. {@code log.*} settings go to the logging.
     */
    public static final class Builder {
        private final List<UnikernelBackend> backends = new ArrayList<>();
        private final List<NetworkProvisioner> provisioners = new ArrayList<>();
        private final List<LogSink> sinks = new ArrayList<>();
        private final Map<String, String> properties = new LinkedHashMap<>();
        private boolean discover = true;
        private ClassLoader classLoader;
        private Path stateDirectory;
        private Path workDirectory;
        private Duration stopGrace = Duration.ofSeconds(10);
        private int consoleLinesKept = 20;
        private Duration senderLinger = Duration.ofSeconds(1);
        private String networkProvisionerId;
        private String attachToken;
        private boolean closeOnJvmExit = true;
        private LogHubFactory logHubFactory;
        private GatewayOptions gatewayOptions;

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
         * Where providers keep state that must survive a monitor crash (default:
         * {@code $TMPDIR/umonitor-state-$USER}; tap devices do not survive a reboot either).
         */
        public Builder stateDirectory(Path value) {
            this.stateDirectory = value;
            return this;
        }

        /** Scratch space for run directories; default: a new temporary directory deleted on close. */
        public Builder workDirectory(Path value) {
            this.workDirectory = value;
            return this;
        }

        /** How long a stopped unikernel may take to end before it is killed (default 10 s). */
        public Builder stopGrace(Duration value) {
            if (value.isNegative()) {
                throw new ConfigurationException("stop grace period " + value + " is negative: use zero or more");
            }
            this.stopGrace = value;
            return this;
        }

        /** How many console lines of each run an exit report carries (default 20). */
        public Builder consoleLinesKept(int value) {
            if (value < 0) {
                throw new ConfigurationException("consoleLinesKept " + value + " is negative: use 0 or more");
            }
            this.consoleLinesKept = value;
            return this;
        }

        /**
         * How long after a guest ended its token stays valid, so records it sent just before the end are
         * still taken (default 1 s).
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
            ClassLoader loader = classLoader != null ? classLoader
                    : Thread.currentThread().getContextClassLoader() != null ? Thread.currentThread().getContextClassLoader()
                    : Monitor.class.getClassLoader();
            List<String> broken = new ArrayList<>();
            List<String> problems = new ArrayList<>();
            Map<String, UnikernelBackend> foundBackends = Map.of();
            Map<String, NetworkProvisioner> foundProvisioners = Map.of();
            Map<String, LogSink> foundSinks = Map.of();
            try {
                foundBackends = Discovery.find(UnikernelBackend.class, "backend", backends, loader, discover,
                        UnikernelBackend::id, broken);
            } catch (ConfigurationException e) {
                problems.add(e.getMessage());
            }
            try {
                foundProvisioners = Discovery.find(NetworkProvisioner.class, "network provisioner", provisioners,
                        loader, discover, NetworkProvisioner::id, broken);
            } catch (ConfigurationException e) {
                problems.add(e.getMessage());
            }
            try {
                foundSinks = Discovery.find(LogSink.class, "log sink", sinks, loader, discover, LogSink::id, broken);
            } catch (ConfigurationException e) {
                problems.add(e.getMessage());
            }
            // Found even with discovery off: an extension is inert until its own settings turn it on.
            CollectorExtensions extensions = CollectorExtensions.find(loader, true, broken);
            List<String> knownPrefixes = new ArrayList<>();
            knownPrefixes.add("log");
            knownPrefixes.addAll(extensions.ids());
            knownPrefixes.addAll(foundBackends.keySet());
            knownPrefixes.addAll(foundProvisioners.keySet());
            knownPrefixes.addAll(foundSinks.keySet());
            for (String key : properties.keySet()) {
                int dot = key.indexOf('.');
                if (dot <= 0 || dot == key.length() - 1 || !knownPrefixes.contains(key.substring(0, dot))) {
                    problems.add("setting '" + key + "' names no installed provider: use ID.key with ID one of "
                            + knownPrefixes);
                }
            }
            if (!problems.isEmpty()) {
                throw new ConfigurationException("monitor configuration is invalid: " + String.join("; ", problems));
            }

            Path work;
            boolean deleteWork = workDirectory == null;
            Path state = stateDirectory != null ? stateDirectory
                    : Path.of(System.getProperty("java.io.tmpdir"), "umonitor-state-" + System.getProperty("user.name"));
            try {
                work = workDirectory != null ? PrivateFiles.createDirectories(workDirectory)
                        : Files.createTempDirectory("umonitor-");
                PrivateFiles.createDirectories(state);
                PrivateFiles.createDirectories(work.resolve("runs"));
            } catch (IOException e) {
                throw new ConfigurationException("cannot create the monitor's directories (work " + workDirectory
                        + ", state " + state + "): " + e.getMessage() + ": make them writable or choose others", e);
            }

            Map<String, Availability> availability = new LinkedHashMap<>();
            Map<String, UnikernelBackend> initializedBackends = new LinkedHashMap<>();
            for (UnikernelBackend backend : foundBackends.values()) {
                Availability a = availabilityOf(backend.id(), backend::availability);
                if (a.isUsable()) {
                    a = initialize(backend.id(), "backend", ctx -> backend.initialize(ctx), state, work, problems);
                }
                availability.put(backend.id(), a);
                initializedBackends.put(backend.id(), backend);
            }
            Map<String, NetworkProvisioner> usableProvisioners = new LinkedHashMap<>();
            Map<String, String> unusableProvisioners = new LinkedHashMap<>();
            for (NetworkProvisioner provisioner : foundProvisioners.values()) {
                Availability a = availabilityOf(provisioner.id(), provisioner::availability);
                if (a.isUsable()) {
                    a = initialize(provisioner.id(), "network provisioner", ctx -> provisioner.initialize(ctx), state,
                            work, problems);
                }
                if (a.isUsable()) {
                    usableProvisioners.put(provisioner.id(), provisioner);
                } else {
                    unusableProvisioners.put(provisioner.id(), a.reason());
                }
            }
            if (!problems.isEmpty()) {
                throw new ConfigurationException("monitor configuration is invalid: " + String.join("; ", problems));
            }
            NetworkProvisioner chosenProvisioner = null;
            String provisionerProblem = null;
            if (networkProvisionerId != null) {
                chosenProvisioner = usableProvisioners.get(networkProvisionerId);
                if (chosenProvisioner == null) {
                    provisionerProblem = "network provisioner '" + networkProvisionerId + "' is "
                            + (unusableProvisioners.containsKey(networkProvisionerId)
                                    ? "unusable: " + unusableProvisioners.get(networkProvisionerId)
                                    : "not installed; found " + usableProvisioners.keySet() + " usable and "
                                            + unusableProvisioners + " unusable");
                }
            } else if (usableProvisioners.size() == 1) {
                chosenProvisioner = usableProvisioners.values().iterator().next();
            } else if (usableProvisioners.isEmpty()) {
                provisionerProblem = "no network provisioner is usable: " + (unusableProvisioners.isEmpty()
                        ? "none is installed (add one to the classpath or pass it to the builder)"
                        : "found " + unusableProvisioners);
            } else {
                provisionerProblem = "several network provisioners are usable " + usableProvisioners.keySet()
                        + ": choose one with Monitor.builder().networkProvisionerId(\"ID\")";
            }
            for (NetworkProvisioner provisioner : usableProvisioners.values()) {
                try {
                    int removed = provisioner.removeLeftovers();
                    if (removed > 0) {
                        LOG.info("network provisioner '{}' removed {} device(s) a previous monitor left behind",
                                provisioner.id(), removed);
                    }
                } catch (RuntimeException e) {
                    LOG.warn("network provisioner '{}' could not remove leftovers", provisioner.id(), e);
                }
            }

            GuestRunState runState = null;
            try {
                runState = new GuestRunState(state.resolve("guests"));
                int killed = runState.removeLeftovers();
                if (killed > 0) {
                    LOG.warn("killed {} guest process(es) a monitor killed earlier left running (recorded in {})",
                            killed, runState.directory());
                }
            } catch (IOException e) {
                LOG.warn("cannot keep run-state records of guests in {}: {}; guests of this monitor will not be "
                        + "found if it is killed", state.resolve("guests"), e.toString());
            }

            Map<LogSink, ProviderContext> sinkContexts = new LinkedHashMap<>();
            for (LogSink sink : foundSinks.values()) {
                // Sinks get the monitor's work directory itself: the file sink's default is logs/ in it.
                sinkContexts.put(sink, sinkContext(sink.id(), state, work));
            }
            LogHubFactory factory = logHubFactory != null ? logHubFactory : new DefaultLogHubFactory();
            LogHub hub = extensions.start(factory.create(new LogHubFactory.Config(sinkContexts, propertiesOf("log"),
                    work)), this::propertiesOf);
            DefaultInvocationGateway gateway = null;
            try {
                if (gatewayOptions != null) {
                    gateway = DefaultInvocationGateway.start(gatewayOptions, hub);
                    hub = new GatewayLogHub(hub, gateway);
                }
                if (attachToken != null) {
                    hub.acceptUnregisteredSenders(attachToken);
                }
                MonitorContext context = new MonitorContext(hub, usableProvisioners, chosenProvisioner,
                        provisionerProblem, stopGrace, consoleLinesKept, senderLinger, work.resolve("runs"));
                context.runState(runState);
                LogHub extended = hub;
                context.guestParameters((u, n) -> CollectorExtensions.guestParameters(extended, u, n));
                LOG.debug("monitor built: backends {}, provisioners {}, sinks {}", availability,
                        usableProvisioners.keySet(), foundSinks.keySet());
                Monitor monitor = new Monitor(context, Collections.unmodifiableMap(initializedBackends),
                        Collections.unmodifiableMap(availability), List.copyOf(broken),
                        Map.copyOf(usableProvisioners), work, deleteWork);
                if (gateway != null) {
                    DefaultInvocationGateway g = gateway;
                    context.guestParameters((u, n) -> {
                        Map<String, String> all = new LinkedHashMap<>(CollectorExtensions.guestParameters(extended, u, n));
                        all.putAll(g.guestParameters(u, n));
                        return all;
                    });
                    g.attach(monitor::unikernels, monitor::find);
                    monitor.addLifecycleListener(g);
                    monitor.gateway = g;
                }
                if (closeOnJvmExit) {
                    Thread hook = new Thread(monitor::close, "umonitor-close-on-exit");
                    monitor.shutdownHook = hook;
                    Runtime.getRuntime().addShutdownHook(hook);
                }
                return monitor;
            } catch (RuntimeException e) {
                if (gateway != null) {
                    gateway.close();
                }
                hub.close();
                throw e;
            }
        }

        private Availability availabilityOf(String id, java.util.function.Supplier<Availability> check) {
            try {
                Availability a = check.get();
                return a != null ? a : Availability.unusable("its availability() returned null (a bug in '" + id + "')");
            } catch (RuntimeException e) {
                return Availability.unusable("its availability() failed: " + e);
            }
        }

        /**
         * Initializes a usable provider. A failure is a configuration error when the user configured the
         * provider; otherwise the provider just becomes unusable, so an unused, broken provider on the
         * classpath cannot stop the monitor from working.
         */
        private Availability initialize(String id, String kind, Consumer<ProviderContext> init, Path state, Path work,
                List<String> problems) {
            try {
                init.accept(providerContext(id, state, work));
                return Availability.usable();
            } catch (RuntimeException e) {
                if (!propertiesOf(id).isEmpty()) {
                    problems.add(kind + " '" + id + "': " + e.getMessage());
                } else {
                    LOG.warn("{} '{}' failed to initialize and is unusable: {}", kind, id, e.getMessage());
                }
                return Availability.unusable("initialize failed: " + e.getMessage());
            }
        }

        private ProviderContext providerContext(String id, Path state, Path work) {
            try {
                Path providerState = Files.createDirectories(state.resolve(id));
                Path providerWork = Files.createDirectories(work.resolve("providers").resolve(id));
                return new ProviderContext(propertiesOf(id), providerState, providerWork);
            } catch (IOException e) {
                throw new ConfigurationException("cannot create directories for provider '" + id + "' under " + state
                        + " and " + work + ": " + e.getMessage(), e);
            }
        }

        private ProviderContext sinkContext(String id, Path state, Path work) {
            try {
                return new ProviderContext(propertiesOf(id), Files.createDirectories(state.resolve(id)), work);
            } catch (IOException e) {
                throw new ConfigurationException("cannot create the state directory of log sink '" + id + "' under "
                        + state + ": " + e.getMessage(), e);
            }
        }

        private Map<String, String> propertiesOf(String id) {
            String prefix = id + ".";
            Map<String, String> own = new LinkedHashMap<>();
            properties.forEach((k, v) -> {
                if (k.startsWith(prefix)) {
                    own.put(k.substring(prefix.length()), v);
                }
            });
            return own;
        }

    }
}
