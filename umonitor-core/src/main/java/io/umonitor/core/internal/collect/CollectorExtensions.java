package io.umonitor.core.internal.collect;

import io.umonitor.api.ConfigurationException;
import io.umonitor.api.spi.ProvisionedNetwork;
import io.umonitor.core.internal.Discovery;
import io.umonitor.core.internal.log.DefaultLogHub;
import io.umonitor.core.internal.log.LogHub;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Finds the {@link CollectorExtension}s on the classpath and starts them on the monitor's hub. */
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
     * Starts every extension on {@code hub} and returns the hub wrapped by those its settings enabled. On a
     * failure, closes what started (and {@code hub}) and throws.
     */
    public LogHub start(LogHub hub, Function<String, Map<String, String>> settingsOf) {
        if (found.isEmpty()) {
            return hub;
        }
        if (!(hub instanceof DefaultLogHub base)) {
            LOG.warn("collector extensions {} are not started: the log hub is a {}", found.keySet(),
                    hub.getClass().getName());
            return hub;
        }
        LogHub current = hub;
        try {
            for (CollectorExtension extension : found.values()) {
                current = extension.start(settingsOf.apply(extension.id()), current, base.ingest());
            }
            return current;
        } catch (RuntimeException e) {
            current.close();
            throw e instanceof ConfigurationException ? e
                    : new ConfigurationException("a collector extension failed to start: " + e.getMessage(), e);
        }
    }

    /** The guest parameters every started extension adds to a launch (none when none started). */
    public static Map<String, String> guestParameters(LogHub hub, String unikernel, List<ProvisionedNetwork> networks) {
        Map<String, String> all = new LinkedHashMap<>();
        LogHub current = hub;
        List<LogHub> seen = new ArrayList<>();
        while (current instanceof ForwardingLogHub forwarding && !seen.contains(current)) {
            seen.add(current);
            if (current instanceof CollectorExtension.GuestParameterSource source) {
                all.putAll(source.guestParameters(unikernel, networks));
            }
            current = forwarding.delegate;
        }
        return all;
    }
}
