package io.umonitor.api.spi;

import io.umonitor.api.ConfigurationException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * What the monitor hands a provider in {@code initialize}: its settings and where it may keep files.
 *
 * @param properties settings for this provider, keys without the provider's prefix (the monitor
 *     strips {@code ID.}); a provider rejects keys it does not know with one {@link ConfigurationException}
 *     listing all of them
 * @param stateDirectory a directory the provider owns for state that must survive a monitor crash
 *     (e.g. a record of created tap devices); exists when initialize is called
 * @param workDirectory a directory for scratch files (generated configs, sockets); exists
 * @param scheduler for a provider's timers (a stop's next step, a watchdog): the monitor's, shut down when
 *     the monitor closes, after the providers' {@code close()}; tasks must be short and must not block. A
 *     provider keeps no scheduler of its own, so no thread of it outlives the monitor.
 * @since 0.1
 */
public record ProviderContext(Map<String, String> properties, Path stateDirectory, Path workDirectory,
        ScheduledExecutorService scheduler) {

    /**
     * A context for a provider used without a monitor (tests, tools): its scheduler is
     * {@link #standaloneScheduler}, whose thread exists only while a task is pending.
     */
    public ProviderContext(Map<String, String> properties, Path stateDirectory, Path workDirectory) {
        this(properties, stateDirectory, workDirectory, null);
    }

    public ProviderContext {
        properties = Map.copyOf(properties);
        Objects.requireNonNull(stateDirectory, "stateDirectory");
        Objects.requireNonNull(workDirectory, "workDirectory");
        scheduler = scheduler != null ? scheduler : standaloneScheduler("umonitor-provider-timer");
    }

    /**
     * A scheduler for a provider that runs without a monitor: one daemon thread, started when a task is
     * scheduled and ended once none is pending for a second, so it never lingers and needs no shutdown.
     */
    public static ScheduledExecutorService standaloneScheduler(String threadName) {
        ScheduledThreadPoolExecutor scheduler = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, threadName);
            t.setDaemon(true);
            return t;
        });
        scheduler.setKeepAliveTime(1, TimeUnit.SECONDS);
        scheduler.allowCoreThreadTimeOut(true);
        scheduler.setRemoveOnCancelPolicy(true);
        return scheduler;
    }

    public Optional<String> property(String key) {
        return Optional.ofNullable(properties.get(key));
    }

    /**
     * A reader of these properties for provider {@code id}, which reports keys not in {@code known} and
     * every invalid value together when its {@link SettingsReader#check} is called.
     */
    public SettingsReader settings(String id, List<String> known) {
        return new SettingsReader(id, properties, known);
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
