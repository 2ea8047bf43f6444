package io.umonitor.core;

import io.umonitor.api.ConfigurationException;
import io.umonitor.api.Availability;
import io.umonitor.api.spi.LogSink;
import io.umonitor.api.spi.NetworkProvisioner;
import io.umonitor.api.spi.ProviderContext;
import io.umonitor.api.spi.UnikernelBackend;
import io.umonitor.core.internal.DefaultLogHubFactory;
import io.umonitor.core.internal.Discovery;
import io.umonitor.core.internal.GuestRunState;
import io.umonitor.core.internal.LogHubFactory;
import io.umonitor.core.internal.MonitorContext;
import io.umonitor.core.internal.assembly.LeftoverSweep;
import io.umonitor.core.internal.collect.CollectorExtensions;
import io.umonitor.core.internal.assembly.MonitorDirectories;
import io.umonitor.core.internal.assembly.ProviderSet;
import io.umonitor.core.internal.assembly.ProviderStartup;
import io.umonitor.core.internal.assembly.ProvisionerChoice;
import io.umonitor.core.internal.gateway.DefaultInvocationGateway;
import io.umonitor.core.internal.log.LogHub;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Puts a {@link Monitor} together from its {@link Monitor.Builder}, in order: discover providers and check
 * settings, create directories, initialise providers, choose the TAP provisioner, sweep what killed
 * monitors left behind, start the log hub and the gateway, install the close-on-exit hook. Everything
 * started is closed again when a later step fails.
 */
final class MonitorAssembly {
    private static final Logger LOG = LoggerFactory.getLogger(Monitor.class);

    private MonitorAssembly() {
    }

    static Monitor assemble(Monitor.Builder b) {
        ClassLoader loader = b.classLoader != null ? b.classLoader
                : Thread.currentThread().getContextClassLoader() != null ? Thread.currentThread().getContextClassLoader()
                : Monitor.class.getClassLoader();
        ProviderSet found = ProviderSet.discover(b.backends, b.provisioners, b.sinks, loader, b.discover,
                b.properties);
        MonitorDirectories directories = MonitorDirectories.create(b.workDirectory, b.stateDirectory);

        // The providers' timers: handed to them in their contexts, shut down when the monitor closes.
        ScheduledThreadPoolExecutor scheduler = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "umonitor-provider-timer");
            t.setDaemon(true);
            return t;
        });
        scheduler.setRemoveOnCancelPolicy(true);
        try {
            return assemble(b, loader, found, directories, scheduler);
        } catch (RuntimeException e) {
            scheduler.shutdownNow();
            throw e;
        }
    }

    /**
     * The builder's own values, checked here rather than in its setters so that {@link Monitor.Builder#build()}
     * reports them together with the providers' settings, as its javadoc promises.
     */
    static List<String> builderProblems(Monitor.Builder b) {
        List<String> problems = new ArrayList<>();
        if (b.stopGrace.isNegative()) {
            problems.add("Monitor.Builder.stopGrace(" + b.stopGrace + ") is negative: use Duration.ZERO or more");
        }
        if (b.consoleLinesKept < 0) {
            problems.add("Monitor.Builder.consoleLinesKept(" + b.consoleLinesKept + ") is negative: use 0 or more");
        }
        if (b.senderLinger.isNegative()) {
            problems.add("Monitor.Builder.senderLinger(" + b.senderLinger + ") is negative: use Duration.ZERO or more");
        }
        return problems;
    }

    private static Monitor assemble(Monitor.Builder b, ClassLoader loader, ProviderSet found,
            MonitorDirectories directories, ScheduledExecutorService scheduler) {
        ProviderStartup startup = new ProviderStartup(b.properties, directories, scheduler);
        Map<String, Availability> availability = startup.startBackends(found.backends());
        Map<String, NetworkProvisioner> usableProvisioners = new LinkedHashMap<>();
        Map<String, String> unusableProvisioners = new LinkedHashMap<>();
        startup.startProvisioners(found.provisioners(), usableProvisioners, unusableProvisioners);
        List<String> problems = new ArrayList<>(builderProblems(b));
        problems.addAll(startup.problems());
        if (!problems.isEmpty()) {
            throw new ConfigurationException("monitor configuration is invalid: " + String.join("; ", problems));
        }
        ProvisionerChoice choice = ProvisionerChoice.choose(b.networkProvisionerId, usableProvisioners,
                unusableProvisioners);
        LeftoverSweep.removeNetworkLeftovers(usableProvisioners.values());
        GuestRunState runState = LeftoverSweep.openRunState(directories.state(), b.sweepLeftoverGuests);

        Map<LogSink, ProviderContext> sinkContexts = new LinkedHashMap<>();
        for (LogSink sink : found.sinks().values()) {
            sinkContexts.put(sink, directories.sinkContext(sink.id(), ProviderSet.propertiesOf(b.properties,
                    sink.id()), scheduler));
        }
        LogHubFactory factory = b.logHubFactory != null ? b.logHubFactory : new DefaultLogHubFactory();
        LogHub hub = factory.create(new LogHubFactory.Config(sinkContexts,
                ProviderSet.propertiesOf(b.properties, "log"), directories.work()));
        CollectorExtensions.Started collectors;
        try {
            collectors = found.extensions().start(hub, id -> ProviderSet.propertiesOf(b.properties, id));
        } catch (RuntimeException e) {
            hub.close();
            throw e;
        }
        DefaultInvocationGateway gateway = null;
        try {
            if (b.gatewayOptions != null) {
                gateway = DefaultInvocationGateway.start(b.gatewayOptions, hub);
            }
            if (b.attachToken != null) {
                hub.acceptUnregisteredSenders(b.attachToken);
            }
            MonitorContext context = new MonitorContext(hub, usableProvisioners, choice.chosen(), choice.problem(),
                    b.stopGrace, b.consoleLinesKept, b.senderLinger, directories.runs());
            context.runState(runState);
            context.addRegistrationListener(collectors);
            context.guestParameters(collectors::guestParameters);
            LOG.debug("monitor built: backends {}, provisioners {}, sinks {}", availability,
                    usableProvisioners.keySet(), found.sinks().keySet());
            Monitor monitor = new Monitor(context, Collections.unmodifiableMap(new LinkedHashMap<>(found.backends())),
                    Collections.unmodifiableMap(availability), found.broken(), Map.copyOf(usableProvisioners),
                    directories, b.discover ? List.of() : Discovery.describeUnloaded(UnikernelBackend.class, loader,
                            backend -> backend.id() + " (" + backend.artifact() + ")"), scheduler);
            monitor.acceptsAttachedSenders(b.attachToken != null);
            monitor.collectors(collectors);
            if (gateway != null) {
                context.addRegistrationListener(gateway);
                DefaultInvocationGateway g = gateway;
                context.guestParameters((u, n) -> {
                    Map<String, String> all = new LinkedHashMap<>(collectors.guestParameters(u, n));
                    all.putAll(g.guestParameters(u, n));
                    return all;
                });
                gateway.attach(monitor::unikernels, monitor::find);
                gateway.attachStats(monitor::stats);
                monitor.addLifecycleListener(gateway);
                monitor.gateway(gateway);
            }
            if (b.closeOnJvmExit) {
                monitor.closeOnJvmExit();
            }
            return monitor;
        } catch (RuntimeException e) {
            if (gateway != null) {
                gateway.close();
            }
            collectors.close();
            hub.close();
            throw e;
        }
    }
}
