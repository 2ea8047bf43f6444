package io.umonitor.core.internal;

import io.umonitor.api.Attribute;
import io.umonitor.api.ConfigurationException;
import io.umonitor.api.ExitClassification;
import io.umonitor.api.ExitInfo;
import io.umonitor.api.LaunchException;
import io.umonitor.api.LaunchIdentity;
import io.umonitor.api.LifecycleEvent;
import io.umonitor.api.LogLevel;
import io.umonitor.api.LogStats;
import io.umonitor.api.NetworkSpec;
import io.umonitor.api.RestartPolicy;
import io.umonitor.api.UmonitorException;
import io.umonitor.api.UnikernelHandle;
import io.umonitor.api.UnikernelSpec;
import io.umonitor.api.UnikernelState;
import io.umonitor.api.CollectorEndpoint;
import io.umonitor.api.spi.GuestOutput;
import io.umonitor.api.spi.LaunchRequest;
import io.umonitor.api.spi.LaunchedUnikernel;
import io.umonitor.api.spi.NetworkProvisioner;
import io.umonitor.api.ProvisionedNetwork;
import io.umonitor.api.spi.UnikernelBackend;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

// Over 500 lines because it is one state machine: launch, running, exit, restart with backoff, stop and
// clean-up of one unikernel all change the same state under one lock, and splitting them would spread
// the ordering rules (events fire in order, late callbacks of an earlier run are ignored) over classes.
/**
 * One unikernel across all its runs: the state machine STARTING -> RUNNING -> EXITED/STOPPED, restarts
 * with backoff, and the clean-up of every run (networks, collector addresses, sender registration).
 * Each run has its own {@link Run} object, so late calls from a previous run's backend threads are
 * recognised and ignored.
 */
public final class ManagedUnikernel implements UnikernelHandle {
    private static final Logger LOG = LoggerFactory.getLogger(ManagedUnikernel.class);

    /** How long {@link #stop} waits beyond the grace period before giving up on a guest that will not die. */
    private static final Duration KILL_WAIT = Duration.ofSeconds(15);

    private final MonitorContext context;
    private final UnikernelSpec spec;
    private final UnikernelBackend backend;
    private final CompletableFuture<ExitInfo> termination = new CompletableFuture<>();
    private final CompletableFuture<Void> firstRunning = new CompletableFuture<>();

    // Guarded by this.
    private UnikernelState state = UnikernelState.STARTING;
    private int restarts;
    private ExitInfo lastExit;
    private Run current;
    private boolean stopRequested;
    private Duration requestedGrace;
    private ScheduledFuture<?> pendingRestart;
    private List<ProvisionedNetwork> networks = List.of();
    private final ImageDigest imageDigest;

    public ManagedUnikernel(MonitorContext context, UnikernelSpec spec, UnikernelBackend backend) {
        this.context = context;
        this.spec = spec;
        this.backend = backend;
        this.imageDigest = new ImageDigest(spec.image());
    }

    /** Begins the first run on a launch thread. */
    public void start() {
        fire();
        context.launchExecutor().execute(() -> startRun(0));
    }

    @Override
    public String name() {
        return spec.name();
    }

    @Override
    public UnikernelSpec spec() {
        return spec;
    }

    @Override
    public String backendId() {
        return backend.id();
    }

    @Override
    public synchronized UnikernelState state() {
        return state;
    }

    @Override
    public synchronized int restarts() {
        return restarts;
    }

    @Override
    public synchronized Optional<ExitInfo> exitInfo() {
        return Optional.ofNullable(lastExit);
    }

    @Override
    public synchronized List<ProvisionedNetwork> networks() {
        return networks;
    }

    @Override
    public LogStats logStats() {
        return context.hub().stats(spec.name());
    }

    @Override
    public CompletableFuture<ExitInfo> termination() {
        return termination;
    }

    /** Completes when the unikernel first reports RUNNING. */
    public CompletableFuture<Void> firstRunning() {
        return firstRunning;
    }

    /** Host pid of the current run, when the backend has one. */
    public synchronized java.util.OptionalLong pid() {
        return current != null && current.launched != null ? current.launched.pid() : java.util.OptionalLong.empty();
    }

    /** The backend's facts about the current run (e.g. how to attach a debugger). */
    public synchronized Map<String, String> details() {
        return current != null && current.launched != null ? current.launched.details() : Map.of();
    }

    @Override
    public ExitInfo stop() {
        return stop(context.stopGrace());
    }

    @Override
    public ExitInfo stop(Duration grace) {
        requestStop(grace);
        Duration wait = grace.plus(KILL_WAIT);
        try {
            return termination.get(wait.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            LaunchedUnikernel launched = currentLaunched();
            if (launched != null) {
                launched.kill();
            }
            try {
                return termination.get(KILL_WAIT.toMillis(), TimeUnit.MILLISECONDS);
            } catch (TimeoutException | ExecutionException e2) {
                throw new UmonitorException("unikernel '" + name() + "' did not end within " + wait.plus(KILL_WAIT)
                        + " of being stopped and killed (pid " + pid() + "): it may be stuck in the kernel; "
                        + "look at it with 'ps -o pid,stat,wchan' and report a bug against backend '" + backendId() + "'");
            } catch (InterruptedException e2) {
                Thread.currentThread().interrupt();
                throw new UmonitorException("interrupted while stopping unikernel '" + name() + "'", e2);
            }
        } catch (ExecutionException e) {
            throw new IllegalStateException("termination never completes exceptionally", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new UmonitorException("interrupted while stopping unikernel '" + name() + "'", e);
        }
    }

    /** Starts stopping and returns at once; {@link #termination()} tells when it has ended. */
    public void requestStop(Duration grace) {
        LaunchedUnikernel launched;
        ExitInfo ended = null;
        synchronized (this) {
            if (termination.isDone()) {
                return;
            }
            if (!stopRequested) {
                stopRequested = true;
                requestedGrace = grace;
                context.publish(name(), LogLevel.INFO, "stop", "stopping (grace period " + inWords(grace) + ")",
                        List.of(Attribute.of("grace_ms", grace.toMillis())));
            }
            if (pendingRestart != null && pendingRestart.cancel(false)) {
                pendingRestart = null;
                ended = markStoppedBetweenRuns("stopped while waiting to restart");
            }
            // With no launched guest yet, the launch thread sees stopRequested and stops it once it exists.
            launched = current != null ? current.launched : null;
        }
        if (ended != null) {
            termination.complete(ended);
        } else if (launched != null) {
            launched.stop(grace);
        }
    }

    @Override
    public String toString() {
        return "unikernel '" + name() + "' (" + backendId() + ", " + state() + ")";
    }

    private synchronized LaunchedUnikernel currentLaunched() {
        return current != null ? current.launched : null;
    }

    private void startRun(int attempt) {
        Run run = new Run(attempt);
        ExitInfo ended = null;
        synchronized (this) {
            if (stopRequested) {
                ended = markStoppedBetweenRuns("stopped before it started");
            }
            else {
                current = run;
                if (state != UnikernelState.STARTING) {
                    state = UnikernelState.STARTING;
                    fire();
                }
            }
        }
        if (ended != null) {
            termination.complete(ended);
            return;
        }
        LaunchedUnikernel launched;
        try {
            launched = launchRun(run);
        } catch (RuntimeException | Error e) {
            LOG.debug("launch of {} failed", name(), e);
            cleanUp(run, false);
            run.releaseEarlyLines();
            String why = e.getMessage() != null ? e.getMessage() : e.toString();
            ExitInfo info = new ExitInfo(-1, 0, ExitClassification.LAUNCHER_ERROR, why, run.tail.snapshot(), Instant.now());
            runEnded(run, info, !(e instanceof ConfigurationException));
            return;
        }
        GuestRunState runState = context.runState();
        if (runState != null && launched.pid().isPresent()) {
            runState.started(name(), attempt, launched.pid().getAsLong());
        }
        List<Attribute> attributes = new ArrayList<>();
        launched.pid().ifPresent(pid -> attributes.add(Attribute.of("pid", pid)));
        attributes.add(Attribute.of("backend", backend.id()));
        String pidText = launched.pid().isPresent() ? " as pid " + launched.pid().getAsLong() : "";
        boolean stopNow;
        Duration grace;
        synchronized (this) {
            // Under the lock that markRunning takes, so "launched" is always logged before "running".
            run.launched = launched;
            stopNow = stopRequested;
            grace = requestedGrace;
            if (attempt == 0) {
                context.publish(name(), LogLevel.INFO, "launched", "launched with backend '" + backend.id() + "'"
                        + pidText, attributes);
            } else {
                attributes.add(Attribute.of("restart", attempt));
                context.publish(name(), LogLevel.WARN, "restarted", "restarted (restart " + attempt + " of "
                        + spec.restartPolicy().maxRestarts() + ")" + pidText, attributes);
            }
            run.releaseEarlyLines();
        }
        if (stopNow) {
            launched.stop(grace);
        } else if (run.runningReported) {
            markRunning(run);
        }
        launched.exit().whenComplete((exit, failure) -> {
            ExitInfo info = exit != null ? exit
                    : ExitInfo.of(-1, 0, ExitClassification.LAUNCHER_ERROR, "backend '" + backend.id()
                            + "' could not report the exit: " + failure);
            try {
                if (runState != null && launched.pid().isPresent()) {
                    runState.ended(name(), attempt);
                }
                cleanUp(run, true);
                runEnded(run, info.withLastConsoleLines(run.tail.snapshot()), true);
            } catch (RuntimeException | Error e) {
                // Whatever went wrong, whoever waits for the end must not wait forever.
                LOG.error("handling the end of {} failed", name(), e);
                termination.complete(info);
            }
        });
    }

    private LaunchedUnikernel launchRun(Run run) {
        List<CollectorEndpoint> collectors = new ArrayList<>(context.hub().loopbackEndpoints());
        for (NetworkSpec net : spec.networks()) {
            if (net.mode() != NetworkSpec.Mode.TAP) {
                continue;
            }
            NetworkProvisioner provisioner = context.tapProvisioner(name());
            ProvisionedNetwork provisioned = provisioner.provision(name(), net);
            synchronized (run) {
                run.networks.add(provisioned);
            }
            if (provisioned.networkNamespace().isPresent()) {
                // The tap's host address lives in another network namespace, where this JVM's collectors
                // cannot bind: the guest gets no collector through this device and logs on its console.
                LOG.info("{}: device {} is in network namespace {}; no collector listens on {}", name(), net.name(),
                        provisioned.namespace(), provisioned.hostAddress().getHostAddress());
                continue;
            }
            List<CollectorEndpoint> endpoints = context.listenOn(provisioned.hostAddress(), net.name());
            synchronized (run) {
                run.listening.add(provisioned.hostAddress());
            }
            collectors.addAll(endpoints);
        }
        synchronized (this) {
            networks = List.copyOf(run.networks);
        }
        LaunchIdentity identity = LaunchIdentity.newRun(run.attempt, backend.id(), imageDigest.current());
        context.registerSender(name(), run.token, identity, run);
        if (backend.tokenVisibleToOtherUsers(spec)) {
            context.hub().bindTokenToFirstSession(name());
        }
        Path runDirectory = context.runsDirectory().resolve(name() + "-" + run.attempt);
        try {
            Files.createDirectories(runDirectory);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create run directory " + runDirectory + ": " + e.getMessage()
                    + ": check the monitor's work directory is writable", e);
        }
        LaunchRequest request = new LaunchRequest(spec, run.token, run.networks, collectors, run, runDirectory,
                context.guestParameters(name(), run.networks));
        LaunchedUnikernel launched = backend.launch(request);
        if (launched == null) {
            throw new LaunchException("backend '" + backend.id() + "' returned no unikernel for '" + name()
                    + "': this is a bug in the backend");
        }
        return launched;
    }

    private void runEnded(Run run, ExitInfo exit, boolean restartable) {
        boolean wasRunning = run.running;
        ExitInfo finalExit = null;
        synchronized (this) {
            if (current == run) {
                current = null;
            }
            if (stopRequested) {
                ExitInfo stopped = exit.classification() == ExitClassification.STOPPED ? exit
                        : new ExitInfo(exit.exitCode(), exit.signal(), ExitClassification.STOPPED,
                                "stopped on request (" + exit.description() + ")", exit.lastConsoleLines(), exit.endedAt());
                lastExit = stopped;
                state = UnikernelState.STOPPED;
                fire();
                context.publish(name(), LogLevel.INFO, "stopped", "stopped: " + stopped.summary(), exitAttributes(stopped));
                finalExit = stopped;
            } else {
                lastExit = exit;
                state = UnikernelState.EXITED;
                fire();
                if (!wasRunning) {
                    context.publish(name(), LogLevel.ERROR, "launch-failed", "launch failed: " + exit.summaryWithConsole(),
                            exitAttributes(exit));
                } else {
                    LogLevel level = exit.classification() == ExitClassification.NORMAL ? LogLevel.INFO : LogLevel.ERROR;
                    context.publish(name(), level, "exited", "exited: " + exit.summary(), exitAttributes(exit));
                }
                RestartPolicy policy = spec.restartPolicy();
                if (restartable && policy.mode() == RestartPolicy.Mode.ON_FAILURE && exit.isFailure()
                        && restarts < policy.maxRestarts() && !context.isClosing()) {
                    int next = restarts + 1;
                    Duration delay = policy.backoffBefore(next);
                    context.publish(name(), LogLevel.WARN, "restarting", "restarting in " + delay.toMillis()
                            + " ms (restart " + next + " of " + policy.maxRestarts() + ")",
                            List.of(Attribute.of("restart", next), Attribute.of("backoff_ms", delay.toMillis())));
                    pendingRestart = context.scheduler().schedule(() -> restart(next), delay.toMillis(),
                            TimeUnit.MILLISECONDS);
                } else {
                    if (policy.mode() == RestartPolicy.Mode.ON_FAILURE && exit.isFailure() && restartable
                            && restarts >= policy.maxRestarts() && policy.maxRestarts() > 0) {
                        context.publish(name(), LogLevel.ERROR, "gave-up", "not restarting: the restart policy's "
                                + "maximum of " + policy.maxRestarts() + " restarts is reached", List.of());
                    }
                    finalExit = exit;
                }
            }
        }
        if (finalExit != null) {
            termination.complete(finalExit);
        }
    }

    private void restart(int attempt) {
        ExitInfo ended = null;
        synchronized (this) {
            pendingRestart = null;
            if (stopRequested || context.isClosing()) {
                ended = markStoppedBetweenRuns("stopped while waiting to restart");
            } else {
                restarts = attempt;
            }
        }
        if (ended == null) {
            try {
                context.launchExecutor().execute(() -> startRun(attempt));
                return;
            } catch (java.util.concurrent.RejectedExecutionException e) {
                synchronized (this) {
                    ended = markStoppedBetweenRuns("the monitor closed while waiting to restart");
                }
            }
        }
        if (ended != null) {
            termination.complete(ended);
        }
    }

    /** Moves to STOPPED with no run in progress; the caller completes termination outside the lock. */
    private ExitInfo markStoppedBetweenRuns(String why) {
        if (termination.isDone() || state == UnikernelState.STOPPED) {
            return null;
        }
        ExitInfo stopped = lastExit == null
                ? ExitInfo.of(-1, 0, ExitClassification.STOPPED, why)
                : new ExitInfo(lastExit.exitCode(), lastExit.signal(), ExitClassification.STOPPED,
                        why + " after: " + lastExit.description(), lastExit.lastConsoleLines(), Instant.now());
        lastExit = stopped;
        state = UnikernelState.STOPPED;
        fire();
        context.publish(name(), LogLevel.INFO, "stopped", "stopped: " + why, exitAttributes(stopped));
        return stopped;
    }

    /**
     * Releases what a run holds. The sender registration and extra collector addresses linger briefly
     * after a real exit, so records the guest sent just before it ended are still accepted.
     */
    private void cleanUp(Run run, boolean linger) {
        List<ProvisionedNetwork> toRelease;
        List<InetAddress> toStopListening;
        synchronized (run) {
            if (run.cleanedUp) {
                return;
            }
            run.cleanedUp = true;
            toRelease = new ArrayList<>(run.networks);
            toStopListening = new ArrayList<>(run.listening);
        }
        Collections.reverse(toRelease);
        for (ProvisionedNetwork net : toRelease) {
            NetworkProvisioner provisioner = context.provisioner(net.provisionerId());
            try {
                if (provisioner == null) {
                    throw new IllegalStateException("provisioner '" + net.provisionerId() + "' is not known");
                }
                provisioner.release(net);
            } catch (RuntimeException e) {
                LOG.warn("could not release {} of {}", net.hostInterface(), name(), e);
                context.publish(name(), LogLevel.WARN, "release-failed", "could not remove network device "
                        + net.hostInterface() + ": " + e.getMessage(), List.of());
            }
        }
        Runnable release = () -> {
            for (InetAddress address : toStopListening) {
                try {
                    context.stopListeningOn(address);
                } catch (RuntimeException e) {
                    LOG.warn("could not stop listening on {} for {}", address, name(), e);
                }
            }
            context.unregisterSender(name(), run);
        };
        if (!linger || !context.releaseAfterLinger(release)) {
            release.run();
        }
    }

    private void fire() {
        // Called with the lock held, so events are queued in the order the states changed.
        synchronized (this) {
            context.fire(new LifecycleEvent(name(), state, restarts, state.isTerminal() ? lastExit : null, Instant.now()));
        }
    }

    private void markRunning(Run run) {
        synchronized (this) {
            if (current != run || state != UnikernelState.STARTING || run.running) {
                return;
            }
            if (run.launched == null) {
                // Reported from inside backend.launch: take it once the launch is recorded, so the log reads
                // "launched" before "running".
                run.runningReported = true;
                return;
            }
            run.running = true;
            state = UnikernelState.RUNNING;
            fire();
            context.publish(name(), LogLevel.INFO, "running", "running", List.of());
        }
        firstRunning.complete(null);
    }

    /** "10 s", "250 ms": how people read a duration (Duration.toString() says PT10S). */
    static String inWords(Duration d) {
        long ms = d.toMillis();
        return ms % 1000 == 0 ? ms / 1000 + " s" : ms + " ms";
    }

    private static List<Attribute> exitAttributes(ExitInfo exit) {
        return List.of(Attribute.of("exit_code", exit.exitCode()), Attribute.of("signal", exit.signal()),
                Attribute.of("classification", exit.classification().name()));
    }

    /** How many console lines printed during backend.launch wait for the "launched" record; more go straight on. */
    private static final int EARLY_LINES_HELD = 1024;

    /** One attempt to run the unikernel; also the {@link GuestOutput} its backend reports to. */
    private final class Run implements GuestOutput {
        final int attempt;
        final String token = Tokens.next();
        final ConsoleTail tail = new ConsoleTail(context.consoleLinesKept());
        final List<ProvisionedNetwork> networks = new ArrayList<>();
        final List<InetAddress> listening = new ArrayList<>();
        volatile LaunchedUnikernel launched;
        volatile boolean running;
        volatile boolean runningReported;
        boolean cleanedUp;
        /**
         * Console lines printed while backend.launch was still running, held (under the unikernel's lock)
         * so that the log reads "launched" before the guest's first line; null once released.
         */
        private List<Object[]> earlyLines = new ArrayList<>();

        Run(int attempt) {
            this.attempt = attempt;
        }

        @Override
        public void consoleLine(Stream stream, String line) {
            tail.add(line);
            synchronized (ManagedUnikernel.this) {
                if (earlyLines != null && earlyLines.size() < EARLY_LINES_HELD) {
                    earlyLines.add(new Object[] {stream, line, false});
                    return;
                }
            }
            publishConsoleLine(stream, line, false);
        }

        /** Publishes the held console lines once the launch is recorded (or failed); later lines go straight on. */
        void releaseEarlyLines() {
            synchronized (ManagedUnikernel.this) {
                List<Object[]> held = earlyLines;
                earlyLines = null;
                if (held != null) {
                    held.forEach(l -> publishConsoleLine((Stream) l[0], (String) l[1], (Boolean) l[2]));
                }
            }
        }

        private void publishConsoleLine(Stream stream, String line, boolean continuation) {
            try {
                if (continuation) {
                    context.hub().consoleContinuation(name(), stream, line);
                } else {
                    context.hub().consoleLine(name(), stream, line);
                }
            } catch (RuntimeException e) {
                LOG.warn("log hub refused a console line of {}", name(), e);
            }
        }

        @Override
        public void consoleContinuation(Stream stream, String piece) {
            // Held like whole lines while the launch is recorded, so a cut line's pieces keep their order.
            synchronized (ManagedUnikernel.this) {
                if (earlyLines != null && earlyLines.size() < EARLY_LINES_HELD) {
                    earlyLines.add(new Object[] {stream, piece, true});
                    return;
                }
            }
            publishConsoleLine(stream, piece, true);
        }

        @Override
        public void running() {
            markRunning(this);
        }

        @Override
        public void note(LogLevel level, String message) {
            context.publish(name(), level, "backend-note", message, List.of(Attribute.of("backend", backend.id())));
        }
    }

    /** The last console lines of one run, for exit reports. */
    static final class ConsoleTail {
        private final int capacity;
        private final ArrayDeque<String> lines = new ArrayDeque<>();

        ConsoleTail(int capacity) {
            this.capacity = capacity;
        }

        synchronized void add(String line) {
            if (capacity == 0) {
                return;
            }
            if (lines.size() == capacity) {
                lines.removeFirst();
            }
            lines.addLast(line);
        }

        synchronized List<String> snapshot() {
            return List.copyOf(lines);
        }
    }
}
