package io.umonitor.core.internal.assembly;

import io.umonitor.api.Availability;
import io.umonitor.api.spi.NetworkProvisioner;
import io.umonitor.api.spi.ProviderContext;
import io.umonitor.api.spi.UnikernelBackend;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Asks each provider whether it can run here and initialises the usable ones. A failure is a
 * configuration error when the user configured the provider; otherwise the provider just becomes
 * unusable, so an unused, broken provider on the classpath cannot stop the monitor from working.
 */
public final class ProviderStartup {
    /** The monitor's scheduler, handed to each provider in its context. */
    private final ScheduledExecutorService scheduler;
    private static final Logger LOG = LoggerFactory.getLogger(ProviderStartup.class);

    private final Map<String, String> properties;
    private final MonitorDirectories directories;
    /** Configuration errors found so far; the caller reports them together. */
    private final List<String> problems = new ArrayList<>();

    public ProviderStartup(Map<String, String> properties, MonitorDirectories directories,
            ScheduledExecutorService scheduler) {
        this.scheduler = scheduler;
        this.properties = properties;
        this.directories = directories;
    }

    public List<String> problems() {
        return problems;
    }

    /** Every backend with its availability after initialisation, in discovery order. */
    public Map<String, Availability> startBackends(Map<String, UnikernelBackend> backends) {
        Map<String, Availability> availability = new LinkedHashMap<>();
        for (UnikernelBackend backend : backends.values()) {
            Availability a = availabilityOf(backend.id(), backend::availability);
            if (a.isUsable()) {
                a = initialize(backend.id(), "backend", backend::initialize);
            }
            availability.put(backend.id(), a);
        }
        return availability;
    }

    /**
     * Initialises the usable provisioners; puts them into {@code usable} and the others, with why, into
     * {@code unusable}.
     */
    public void startProvisioners(Map<String, NetworkProvisioner> provisioners, Map<String, NetworkProvisioner> usable,
            Map<String, String> unusable) {
        for (NetworkProvisioner provisioner : provisioners.values()) {
            Availability a = availabilityOf(provisioner.id(), provisioner::availability);
            if (a.isUsable()) {
                a = initialize(provisioner.id(), "network provisioner", provisioner::initialize);
            }
            if (a.isUsable()) {
                usable.put(provisioner.id(), provisioner);
            } else {
                unusable.put(provisioner.id(), a.reason());
            }
        }
    }

    private static Availability availabilityOf(String id, Supplier<Availability> check) {
        try {
            Availability a = check.get();
            return a != null ? a : Availability.unusable("its availability() returned null (a bug in '" + id + "')");
        } catch (RuntimeException e) {
            return Availability.unusable("its availability() failed: " + e);
        }
    }

    private Availability initialize(String id, String kind, Consumer<ProviderContext> init) {
        Map<String, String> own = ProviderSet.propertiesOf(properties, id);
        try {
            init.accept(directories.providerContext(id, own, scheduler));
            return Availability.usable();
        } catch (RuntimeException e) {
            if (!own.isEmpty()) {
                problems.add(kind + " '" + id + "': " + e.getMessage());
            } else {
                LOG.warn("{} '{}' failed to initialize and is unusable: {}", kind, id, e.getMessage());
            }
            return Availability.unusable("initialize failed: " + e.getMessage());
        }
    }
}
