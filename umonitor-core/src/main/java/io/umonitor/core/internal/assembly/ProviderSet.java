package io.umonitor.core.internal.assembly;

import io.umonitor.api.ConfigurationException;
import io.umonitor.api.spi.LogSink;
import io.umonitor.api.spi.NetworkProvisioner;
import io.umonitor.api.spi.UnikernelBackend;
import io.umonitor.core.internal.Discovery;
import io.umonitor.core.internal.collect.CollectorExtensions;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The providers a monitor uses, found with ServiceLoader and passed explicitly, after checking that every
 * setting names one of them.
 *
 * @param extensions further collectors (e.g. syslog), inert until their own settings turn them on
 * @param broken providers that could not be loaded, each with why (reported, not fatal)
 */
public record ProviderSet(Map<String, UnikernelBackend> backends, Map<String, NetworkProvisioner> provisioners,
        Map<String, LogSink> sinks, CollectorExtensions extensions, List<String> broken) {
    /** The setting key, after {@code ID.}, that switches a discovered or passed provider off. */
    static final String ENABLED = "enabled";

    /**
     * Discovers providers and checks the settings' prefixes.
     *
     * @throws ConfigurationException listing every duplicate provider id and every setting that names no
     *     installed provider at once
     */
    public static ProviderSet discover(List<UnikernelBackend> backends, List<NetworkProvisioner> provisioners,
            List<LogSink> sinks, ClassLoader loader, boolean discover, Map<String, String> properties) {
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
        // ID.enabled=false switches one provider off without turning discovery off and re-adding the others.
        List<String> providerIds = new ArrayList<>(foundBackends.keySet());
        providerIds.addAll(foundProvisioners.keySet());
        providerIds.addAll(foundSinks.keySet());
        java.util.Set<String> disabled = new java.util.HashSet<>();
        properties.forEach((key, value) -> {
            if (!key.endsWith("." + ENABLED) || key.indexOf('.') != key.length() - ENABLED.length() - 1) {
                return;
            }
            String id = key.substring(0, key.indexOf('.'));
            if (!providerIds.contains(id)) {
                if (knownPrefixes.contains(id)) {
                    problems.add("setting '" + key + "': only backends, network provisioners and log sinks "
                            + providerIds + " can be switched off with ID.enabled");
                }
            } else if (value.equals("false")) {
                disabled.add(id);
            } else if (!value.equals("true")) {
                problems.add("setting '" + key + "' is '" + value + "': use true or false");
            }
        });
        if (!problems.isEmpty()) {
            throw new ConfigurationException("monitor configuration is invalid: " + String.join("; ", problems));
        }
        return new ProviderSet(without(foundBackends, disabled), without(foundProvisioners, disabled),
                without(foundSinks, disabled), extensions, List.copyOf(broken));
    }

    private static <T> Map<String, T> without(Map<String, T> providers, java.util.Set<String> disabled) {
        Map<String, T> kept = new LinkedHashMap<>(providers);
        kept.keySet().removeAll(disabled);
        return kept;
    }

    /**
     * The settings of provider {@code id}: {@code ID.key=value} entries, without the prefix and without
     * {@code ID.enabled}, which the monitor handles.
     */
    public static Map<String, String> propertiesOf(Map<String, String> properties, String id) {
        String prefix = id + ".";
        Map<String, String> own = new LinkedHashMap<>();
        properties.forEach((k, v) -> {
            if (k.startsWith(prefix) && !k.equals(prefix + ENABLED)) {
                own.put(k.substring(prefix.length()), v);
            }
        });
        return own;
    }
}
