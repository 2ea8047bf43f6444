package io.umonitor.core.internal.collect;

import io.umonitor.api.ConfigurationException;
import io.umonitor.api.ProvisionedNetwork;
import io.umonitor.api.spi.CollectorExtension;
import io.umonitor.api.spi.CollectorInput;
import io.umonitor.api.spi.RunningCollector;
import io.umonitor.core.internal.Discovery;
import io.umonitor.core.internal.RegistrationListener;
import io.umonitor.core.internal.log.DefaultLogHub;
import io.umonitor.core.internal.log.LogHub;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Finds the {@link CollectorExtension}s on the classpath and starts them beside the monitor's hub. */
public final class CollectorExtensions {
    private static final Logger LOG = LoggerFactory.getLogger(CollectorExtensions.class);

    private final Map<String, CollectorExtension> found;

    private CollectorExtensions(Map<String, CollectorExtension> found) {
        this.found = found;
    }

    public static CollectorExtensions find(ClassLoader loader, boolean discover, List<String> broken) {
        return new CollectorExtensions(Discovery.find(CollectorExtension.class, "collector extension", List.of(),
                loader, discover, CollectorExtension::id, broken));
    }

    /** The settings prefixes the extensions own. */
    public List<String> ids() {
        return List.copyOf(found.keySet());
    }

    /**
     * Starts every extension on {@code hub}'s input and returns those its settings enabled. On a failure,
     * closes what started and throws; the caller closes the hub.
     */
    public Started start(LogHub hub, Function<String, Map<String, String>> settingsOf) {
        List<RunningCollector> running = new ArrayList<>();
        if (found.isEmpty()) {
            return new Started(running);
        }
        if (!(hub instanceof DefaultLogHub base)) {
            LOG.warn("collector extensions {} are not started: the log hub is a {}", found.keySet(),
                    hub.getClass().getName());
            return new Started(running);
        }
        CollectorInput input = base.collectorInput();
        try {
            for (CollectorExtension extension : found.values()) {
                RunningCollector collector = extension.start(settingsOf.apply(extension.id()), input);
                if (collector != null) {
                    running.add(collector);
                }
            }
            return new Started(running);
        } catch (RuntimeException e) {
            new Started(running).close();
            throw e instanceof ConfigurationException ? e
                    : new ConfigurationException("a collector extension failed to start: " + e.getMessage(), e);
        }
    }

    /**
     * The running extensions as one registration listener (they follow the hub's senders and addresses), one
     * source of guest parameters and one thing to close before the hub.
     */
    public static final class Started implements RegistrationListener, AutoCloseable {
        private final List<RunningCollector> running;

        Started(List<RunningCollector> running) {
            this.running = List.copyOf(running);
        }

        /** The guest parameters every running extension adds to a launch. */
        public Map<String, String> guestParameters(String unikernel, List<ProvisionedNetwork> networks) {
            Map<String, String> all = new LinkedHashMap<>();
            for (RunningCollector c : running) {
                all.putAll(c.guestParameters(unikernel, networks));
            }
            return all;
        }

        @Override
        public void senderRegistered(String name, String token) {
            // Extensions attribute input by name or address, never by token.
        }

        @Override
        public void senderUnregistered(String name) {
            running.forEach(c -> c.senderUnregistered(name));
        }

        @Override
        public void listeningOn(InetAddress hostAddress, String networkDevice) {
            running.forEach(c -> c.listeningOn(hostAddress, networkDevice));
        }

        @Override
        public void stoppedListeningOn(InetAddress hostAddress) {
            running.forEach(c -> c.stoppedListeningOn(hostAddress));
        }

        @Override
        public void close() {
            for (RunningCollector c : running) {
                try {
                    c.close();
                } catch (RuntimeException e) {
                    LOG.warn("closing collector extension {} failed", c, e);
                }
            }
        }
    }
}
