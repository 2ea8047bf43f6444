package io.umonitor.api.spi;

import java.util.Map;

/**
 * A collector for another wire format beside the monitor's own protocol (syslog, in module umonitor-syslog),
 * found with {@link java.util.ServiceLoader}. Its records enter the same log hub as the protocol's: the same
 * senders, histories, sinks, rate limits and loss counters.
 *
 * <p>A public no-argument constructor without I/O; {@link #start} does the work and is called once, after the
 * hub and its sinks started.
 *
 * @since 0.1
 */
public interface CollectorExtension {

    /** The settings prefix and name, e.g. {@code syslog}. */
    String id();

    /**
     * Starts listening when {@code settings} enable it.
     *
     * @param settings the monitor's {@code ID.*} settings, prefix stripped (read them with a
     *     {@link SettingsReader})
     * @param input how records and refusals enter the hub
     * @return the running collector, which hears about launches and is closed before the hub; null when the
     *     settings leave the extension off
     * @throws io.umonitor.api.ConfigurationException naming every invalid setting, or what cannot listen
     */
    RunningCollector start(Map<String, String> settings, CollectorInput input);
}
