package io.umonitor.core.internal;

import io.umonitor.api.Attribute;
import io.umonitor.api.BackendUnavailableException;
import io.umonitor.api.LifecycleEvent;
import io.umonitor.api.LifecycleListener;
import io.umonitor.api.LogLevel;
import io.umonitor.api.CollectorEndpoint;
import io.umonitor.api.spi.NetworkProvisioner;
import io.umonitor.core.internal.log.LogHub;
import io.umonitor.core.internal.log.MonitorRecords;
import java.net.InetAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** What every managed unikernel of one monitor shares: the hub, the threads, the provisioners, the settings. */
public final class MonitorContext {
    private static final Logger LOG = LoggerFactory.getLogger(MonitorContext.class);

    private final LogHub hub;
    private final Map<String, NetworkProvisioner> provisioners;
    private final String provisionerChoiceProblem;
    private final NetworkProvisioner chosenProvisioner;
    private final Duration stopGrace;
    private final int consoleLinesKept;
    private final Duration senderLinger;
    private final Path runsDirectory;
    private final List<LifecycleListener> listeners = new CopyOnWriteArrayList<>();
    private final List<RegistrationListener> registrationListeners = new CopyOnWriteArrayList<>();
    private final ExecutorService launchExecutor = Executors.newCachedThreadPool(daemon("umonitor-launch"));
    private final ExecutorService eventExecutor = Executors.newSingleThreadExecutor(daemon("umonitor-events"));
    /** Fires restarts; nothing that may block (a provisioner, a collector) runs on it. */
    private final ScheduledThreadPoolExecutor scheduler = new ScheduledThreadPoolExecutor(1, daemon("umonitor-timer"));
    /**
     * Runs the delayed part of a run's clean-up (collector addresses, sender registration), which may wait on
     * the log hub or a provisioner: on its own thread, so a slow clean-up never delays a restart.
     */
    private final ScheduledThreadPoolExecutor cleanup = new ScheduledThreadPoolExecutor(1, daemon("umonitor-cleanup"));
    private final Map<String, Object> senderOwners = new java.util.HashMap<>();
    private volatile boolean closing;
    private volatile GuestParameters guestParameters = (unikernel, networks) -> Map.of();
    private volatile GuestRunState runState;

    /** Further settings for a launch's guest (e.g. where the invocation gateway listens). */
    @FunctionalInterface
    public interface GuestParameters {
        Map<String, String> forLaunch(String unikernel, List<io.umonitor.api.ProvisionedNetwork> networks);
    }

    public MonitorContext(LogHub hub, Map<String, NetworkProvisioner> usableProvisioners, NetworkProvisioner chosen,
            String provisionerChoiceProblem, Duration stopGrace, int consoleLinesKept, Duration senderLinger,
            Path runsDirectory) {
        this.hub = hub;
        this.provisioners = Map.copyOf(usableProvisioners);
        this.chosenProvisioner = chosen;
        this.provisionerChoiceProblem = provisionerChoiceProblem;
        this.stopGrace = stopGrace;
        this.consoleLinesKept = consoleLinesKept;
        this.senderLinger = senderLinger;
        this.runsDirectory = runsDirectory;
        scheduler.setRemoveOnCancelPolicy(true);
        cleanup.setRemoveOnCancelPolicy(true);
    }

    /** Where launched guest processes are recorded, so a monitor killed with SIGKILL leaves none unknown. */
    public void runState(GuestRunState value) {
        this.runState = value;
    }

    /** The run-state records, or null when the monitor keeps none. */
    GuestRunState runState() {
        return runState;
    }

    public void guestParameters(GuestParameters value) {
        this.guestParameters = value;
    }

    Map<String, String> guestParameters(String unikernel, List<io.umonitor.api.ProvisionedNetwork> networks) {
        return guestParameters.forLaunch(unikernel, networks);
    }

    public LogHub hub() {
        return hub;
    }

    public Duration stopGrace() {
        return stopGrace;
    }

    int consoleLinesKept() {
        return consoleLinesKept;
    }

    Path runsDirectory() {
        return runsDirectory;
    }

    ExecutorService launchExecutor() {
        return launchExecutor;
    }

    ScheduledExecutorService scheduler() {
        return scheduler;
    }

    /**
     * Runs {@code release} on the clean-up thread once the sender linger has passed. Returns false when
     * the caller must run it now: no linger, or the monitor is closing.
     */
    boolean releaseAfterLinger(Runnable release) {
        if (senderLinger.isZero()) {
            return false;
        }
        try {
            cleanup.schedule(release, senderLinger.toMillis(), TimeUnit.MILLISECONDS);
            return true;
        } catch (java.util.concurrent.RejectedExecutionException e) {
            return false;
        }
    }

    public boolean isClosing() {
        return closing;
    }

    public void markClosing() {
        closing = true;
    }

    /** The provisioner for TAP devices. */
    public NetworkProvisioner tapProvisioner(String unikernel) {
        if (chosenProvisioner == null) {
            throw new BackendUnavailableException("unikernel '" + unikernel + "' asks for a TAP network device but "
                    + provisionerChoiceProblem);
        }
        return chosenProvisioner;
    }

    NetworkProvisioner provisioner(String id) {
        return provisioners.get(id);
    }

    /** Registers {@code name}'s token on behalf of {@code owner} (one run of one unikernel, {@code launch}). */
    void registerSender(String name, String token, io.umonitor.api.LaunchIdentity launch, Object owner) {
        synchronized (senderOwners) {
            hub.registerSender(name, token, launch);
            senderOwners.put(name, owner);
            for (RegistrationListener l : registrationListeners) {
                l.senderRegistered(name, token);
            }
        }
    }

    /**
     * Unregisters {@code name} unless someone else registered it since (a restart, or a new unikernel
     * of the same name), so a late clean-up never shuts out a newer run.
     */
    void unregisterSender(String name, Object owner) {
        synchronized (senderOwners) {
            if (senderOwners.remove(name, owner)) {
                try {
                    for (RegistrationListener l : registrationListeners) {
                        l.senderUnregistered(name);
                    }
                    hub.unregisterSender(name);
                } catch (RuntimeException e) {
                    LOG.warn("could not unregister sender {}", name, e);
                }
            }
        }
    }

    /**
     * Makes the log collectors listen on {@code hostAddress} too and tells the registration listeners.
     * Returns the collectors' endpoints there.
     */
    List<CollectorEndpoint> listenOn(InetAddress hostAddress, String networkDevice) {
        List<CollectorEndpoint> endpoints = hub.listenOn(hostAddress, networkDevice);
        for (RegistrationListener l : registrationListeners) {
            l.listeningOn(hostAddress, networkDevice);
        }
        return endpoints;
    }

    /** Undoes {@link #listenOn}: the listeners first, then the collectors. */
    void stopListeningOn(InetAddress hostAddress) {
        for (RegistrationListener l : registrationListeners) {
            try {
                l.stoppedListeningOn(hostAddress);
            } catch (RuntimeException e) {
                LOG.warn("registration listener {} failed to stop listening on {}", l, hostAddress, e);
            }
        }
        hub.stopListeningOn(hostAddress);
    }

    /**
     * Adds a party that accepts the same senders as the log hub and listens where it listens (the
     * invocation gateway). Add before the first launch.
     */
    public void addRegistrationListener(RegistrationListener listener) {
        registrationListeners.add(listener);
    }

    /** Whether a run of {@code name} is registered with the hub right now (for tests and diagnostics). */
    public boolean isSenderRegistered(String name) {
        synchronized (senderOwners) {
            return senderOwners.containsKey(name);
        }
    }

    public void addListener(LifecycleListener listener) {
        listeners.add(listener);
    }

    public void removeListener(LifecycleListener listener) {
        listeners.remove(listener);
    }

    /** Delivers in order on the event thread; a failing listener is logged and the others still get it. */
    void fire(LifecycleEvent event) {
        try {
            eventExecutor.execute(() -> {
                for (LifecycleListener l : listeners) {
                    try {
                        l.onEvent(event);
                    } catch (RuntimeException e) {
                        LOG.warn("lifecycle listener {} failed on {}; continuing", l, event, e);
                    }
                }
            });
        } catch (java.util.concurrent.RejectedExecutionException e) {
            LOG.debug("monitor closed, lifecycle event not delivered: {}", event);
        }
    }

    /** A MONITOR record about {@code unikernel}; {@code event} is also an attribute so tools can select it. */
    void publish(String unikernel, LogLevel level, String event, String message, List<Attribute> more) {
        List<Attribute> attributes = new java.util.ArrayList<>();
        attributes.add(Attribute.of("event", event));
        attributes.addAll(more);
        try {
            hub.publish(MonitorRecords.of(unikernel, level, message, attributes));
        } catch (RuntimeException e) {
            LOG.warn("could not publish monitor record '{}' for {}", message, unikernel, e);
        }
        LOG.debug("{}: {}", unikernel, message);
    }

    /** Stops the monitor's own threads once unikernels are gone. */
    public void shutdownThreads() {
        scheduler.shutdownNow();
        cleanup.shutdownNow();
        launchExecutor.shutdown();
        eventExecutor.shutdown();
        try {
            // Let the last lifecycle events (STOPPED) reach listeners.
            eventExecutor.awaitTermination(5, TimeUnit.SECONDS);
            launchExecutor.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static ThreadFactory daemon(String prefix) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, prefix + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }
}
