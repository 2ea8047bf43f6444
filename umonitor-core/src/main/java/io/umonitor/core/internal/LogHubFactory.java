package io.umonitor.core.internal;

import io.umonitor.api.spi.LogSink;
import io.umonitor.api.spi.ProviderContext;
import io.umonitor.core.internal.log.LogHub;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/** Creates the monitor's logging half from what the monitor's builder gathered. */
@FunctionalInterface
public interface LogHubFactory {

    /**
     * @param sinks the sinks, each with the context its {@link LogSink#open} receives
     * @param properties the builder's {@code log.*} settings without the prefix
     * @param workDirectory the monitor's scratch directory
     */
    record Config(Map<LogSink, ProviderContext> sinks, Map<String, String> properties, Path workDirectory) {
        public Config {
            sinks = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(sinks));
            properties = Map.copyOf(properties);
        }

        public List<LogSink> sinkList() {
            return List.copyOf(sinks.keySet());
        }
    }

    LogHub create(Config config);
}
