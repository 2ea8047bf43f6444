package io.umonitor.api.spi;

import io.umonitor.api.ConfigurationException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * What the monitor hands a provider in {@code initialize}: its settings and where it may keep files.
 *
 * @param properties settings for this provider, keys without the provider's prefix (the monitor
 *     strips {@code ID.}); a provider rejects keys it does not know with one {@link ConfigurationException}
 *     listing all of them
 * @param stateDirectory a directory the provider owns for state that must survive a monitor crash
 *     (e.g. a record of created tap devices); exists when initialize is called
 * @param workDirectory a directory for scratch files (generated configs, sockets); exists
 * @since 0.1
 */
public record ProviderContext(Map<String, String> properties, Path stateDirectory, Path workDirectory) {
    public ProviderContext {
        properties = Map.copyOf(properties);
        Objects.requireNonNull(stateDirectory, "stateDirectory");
        Objects.requireNonNull(workDirectory, "workDirectory");
    }

    public Optional<String> property(String key) {
        return Optional.ofNullable(properties.get(key));
    }

    /**
     * @throws ConfigurationException naming every property not in {@code known}, for provider {@code id}
     */
    public void rejectUnknownProperties(String id, List<String> known) {
        List<String> unknown = properties.keySet().stream().filter(k -> !known.contains(k)).sorted().toList();
        if (!unknown.isEmpty()) {
            throw new ConfigurationException("unknown setting(s) " + unknown + " for provider '" + id
                    + "': known settings are " + known);
        }
    }
}
