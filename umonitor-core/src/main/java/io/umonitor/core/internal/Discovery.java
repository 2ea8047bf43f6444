package io.umonitor.core.internal;

import io.umonitor.api.ConfigurationException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Finds providers of one kind: the explicitly given ones plus, unless switched off, those
 * {@link ServiceLoader} finds. One broken provider is reported and skipped, never fatal; two providers
 * of different classes with one id are an error naming both.
 */
public final class Discovery {
    private static final Logger LOG = LoggerFactory.getLogger(Discovery.class);

    private Discovery() {
    }

    /**
     * @param kind for messages, e.g. "backend"
     * @param broken collects one sentence per provider that could not be loaded
     * @return providers by id, explicit ones first
     * @throws ConfigurationException when two different classes share an id
     */
    public static <T> Map<String, T> find(Class<T> type, String kind, List<T> explicit, ClassLoader loader,
            boolean useServiceLoader, Function<T, String> idOf, List<String> broken) {
        List<T> all = new ArrayList<>(explicit);
        if (useServiceLoader) {
            Iterator<T> it = ServiceLoader.load(type, loader).iterator();
            while (true) {
                try {
                    if (!it.hasNext()) {
                        break;
                    }
                    T provider = it.next();
                    // The same class passed explicitly and found on the classpath is one provider, not two.
                    if (explicit.stream().noneMatch(e -> e.getClass() == provider.getClass())) {
                        all.add(provider);
                    }
                } catch (ServiceConfigurationError | LinkageError e) {
                    String why = kind + " provider could not be loaded and is skipped: " + e.getMessage()
                            + (e.getCause() != null ? " (" + e.getCause() + ")" : "");
                    LOG.warn(why);
                    broken.add(why);
                }
            }
        }
        Map<String, T> byId = new LinkedHashMap<>();
        List<String> duplicates = new ArrayList<>();
        for (T provider : all) {
            String id;
            try {
                id = idOf.apply(provider);
            } catch (RuntimeException e) {
                String why = kind + " " + provider.getClass().getName() + " failed to tell its id and is skipped: " + e;
                LOG.warn(why);
                broken.add(why);
                continue;
            }
            T previous = byId.putIfAbsent(id, provider);
            if (previous != null) {
                duplicates.add(kind + " id '" + id + "' is claimed by both " + previous.getClass().getName()
                        + " and " + provider.getClass().getName());
            }
        }
        if (!duplicates.isEmpty()) {
            throw new ConfigurationException(String.join("; ", duplicates)
                    + ": remove one of each pair from the classpath (or from the builder), ids must be unique");
        }
        return byId;
    }

    /**
     * What {@link ServiceLoader} would find, each as {@code describe} says, for messages when discovery is
     * switched off; providers that fail to load are left out.
     */
    public static <T> List<String> describeUnloaded(Class<T> type, ClassLoader loader, Function<T, String> describe) {
        List<String> found = new ArrayList<>();
        Iterator<T> it = ServiceLoader.load(type, loader).iterator();
        while (true) {
            try {
                if (!it.hasNext()) {
                    return found;
                }
                found.add(describe.apply(it.next()));
            } catch (ServiceConfigurationError | LinkageError | RuntimeException e) {
                LOG.debug("{} provider skipped in a hint: {}", type.getSimpleName(), e.toString());
            }
        }
    }
}
