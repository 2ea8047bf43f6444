package io.umonitor.core.internal;

import io.umonitor.api.ConfigurationException;
import io.umonitor.api.spi.LogSink;
import io.umonitor.api.spi.ProviderContext;
import io.umonitor.core.internal.log.DefaultLogHub;
import io.umonitor.core.internal.log.LogHubSettings;
import io.umonitor.core.internal.log.HubLimits;
import io.umonitor.core.internal.log.LogHub;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Opens the sinks and starts a {@link DefaultLogHub} with settings from the monitor's {@code log.*}
 * properties:
 * <ul>
 *   <li>{@code tcpAddress}, {@code udpAddress}: {@code host:port} the collectors listen on (port 0: any
 *       free port; default loopback, port 0), or {@code off}</li>
 *   <li>{@code maxFrameLength}, {@code historySize}, {@code sinkQueueCapacity}, {@code senderRateLimit},
 *       {@code followerQueueCapacity}, {@code maxSenders}, {@code maxConnections},
 *       {@code udpReceiveBufferBytes}: numbers, as {@link LogHubSettings} documents them</li>
 *   <li>{@code reportIntervalMs}: how often changed counters are reported, in milliseconds</li>
 *   <li>{@code helloTimeoutMs}, {@code idleTimeoutMs}, {@code maxConnectionsPerPeer}, {@code memoryBudgetBytes},
 *       {@code attachedIdleMs}: the hub's limits, as {@link HubLimits} documents them</li>
 * </ul>
 */
public final class DefaultLogHubFactory implements LogHubFactory {
    private static final Logger LOG = LoggerFactory.getLogger(DefaultLogHubFactory.class);

    public static final List<String> KNOWN = List.of("tcpAddress", "udpAddress", "maxFrameLength", "historySize",
            "sinkQueueCapacity", "senderRateLimit", "followerQueueCapacity", "reportIntervalMs", "maxSenders",
            "maxConnections", "udpReceiveBufferBytes", "helloTimeoutMs", "idleTimeoutMs", "maxConnectionsPerPeer",
            "memoryBudgetBytes", "attachedIdleMs");

    @Override
    public LogHub create(Config config) {
        LogHubSettings settings = settings(config.properties());
        HubLimits limits = limits(config.properties());
        List<LogSink> opened = new ArrayList<>();
        List<String> problems = new ArrayList<>();
        for (Map.Entry<LogSink, ProviderContext> e : config.sinks().entrySet()) {
            try {
                e.getKey().open(e.getValue());
                if (e.getKey().isEnabled()) {
                    opened.add(e.getKey());
                } else {
                    closeAll(List.of(e.getKey()));
                }
            } catch (RuntimeException ex) {
                problems.add("log sink '" + e.getKey().id() + "': " + ex.getMessage());
            }
        }
        if (!problems.isEmpty()) {
            closeAll(opened);
            throw new ConfigurationException("log sinks cannot open: " + String.join("; ", problems));
        }
        try {
            return DefaultLogHub.start(settings, limits, opened);
        } catch (RuntimeException e) {
            closeAll(opened);
            throw e;
        }
    }

    static LogHubSettings settings(Map<String, String> properties) {
        List<String> problems = new ArrayList<>();
        List<String> unknown = properties.keySet().stream().filter(k -> !KNOWN.contains(k)).sorted().toList();
        if (!unknown.isEmpty()) {
            problems.add("unknown setting(s) " + unknown.stream().map(k -> "log." + k).toList() + ": known are "
                    + KNOWN.stream().map(k -> "log." + k).toList());
        }
        LogHubSettings s = LogHubSettings.defaults();
        s = apply(properties, "tcpAddress", problems, s, DefaultLogHubFactory::address, LogHubSettings::withTcpAddress);
        s = apply(properties, "udpAddress", problems, s, DefaultLogHubFactory::address, LogHubSettings::withUdpAddress);
        s = apply(properties, "maxFrameLength", problems, s, Integer::parseInt, LogHubSettings::withMaxFrameLength);
        s = apply(properties, "historySize", problems, s, Integer::parseInt, LogHubSettings::withHistorySize);
        s = apply(properties, "sinkQueueCapacity", problems, s, Integer::parseInt,
                LogHubSettings::withSinkQueueCapacity);
        s = apply(properties, "senderRateLimit", problems, s, Long::parseLong, LogHubSettings::withSenderRateLimit);
        s = apply(properties, "followerQueueCapacity", problems, s, Integer::parseInt,
                LogHubSettings::withFollowerQueueCapacity);
        s = apply(properties, "reportIntervalMs", problems, s, v -> Duration.ofMillis(Long.parseLong(v)),
                LogHubSettings::withReportInterval);
        s = apply(properties, "maxSenders", problems, s, Integer::parseInt, LogHubSettings::withMaxSenders);
        s = apply(properties, "maxConnections", problems, s, Integer::parseInt,
                LogHubSettings::withMaxConnections);
        s = apply(properties, "udpReceiveBufferBytes", problems, s, Integer::parseInt,
                LogHubSettings::withUdpReceiveBufferBytes);
        if (!problems.isEmpty()) {
            throw new ConfigurationException("log settings are invalid: " + String.join("; ", problems));
        }
        return s;
    }

    static HubLimits limits(Map<String, String> properties) {
        List<String> problems = new ArrayList<>();
        HubLimits l = HubLimits.defaults();
        l = applyLimit(properties, "helloTimeoutMs", problems, l, v -> Duration.ofMillis(Long.parseLong(v)),
                HubLimits::withHelloTimeout);
        l = applyLimit(properties, "idleTimeoutMs", problems, l, v -> Duration.ofMillis(Long.parseLong(v)),
                HubLimits::withIdleTimeout);
        l = applyLimit(properties, "maxConnectionsPerPeer", problems, l, Integer::parseInt,
                HubLimits::withMaxConnectionsPerPeer);
        l = applyLimit(properties, "memoryBudgetBytes", problems, l, Long::parseLong, HubLimits::withMemoryBudgetBytes);
        l = applyLimit(properties, "attachedIdleMs", problems, l, v -> Duration.ofMillis(Long.parseLong(v)),
                HubLimits::withAttachedIdleEviction);
        if (!problems.isEmpty()) {
            throw new ConfigurationException("log settings are invalid: " + String.join("; ", problems));
        }
        return l;
    }

    private static <T> HubLimits applyLimit(Map<String, String> properties, String key, List<String> problems,
            HubLimits limits, Function<String, T> parse, java.util.function.BiFunction<HubLimits, T, HubLimits> with) {
        String raw = properties.get(key);
        if (raw == null) {
            return limits;
        }
        try {
            return with.apply(limits, parse.apply(raw.trim()));
        } catch (NumberFormatException e) {
            problems.add("log." + key + " is '" + raw + "': use a whole number");
        } catch (RuntimeException e) {
            problems.add("log." + key + " is '" + raw + "': " + e.getMessage());
        }
        return limits;
    }

    private static <T> LogHubSettings apply(Map<String, String> properties, String key, List<String> problems,
            LogHubSettings settings, Function<String, T> parse,
            java.util.function.BiFunction<LogHubSettings, T, LogHubSettings> with) {
        String raw = properties.get(key);
        if (raw == null) {
            return settings;
        }
        T value;
        try {
            value = parse.apply(raw.trim());
        } catch (RuntimeException e) {
            problems.add("log." + key + " is '" + raw + "': " + (e instanceof NumberFormatException
                    ? "use a whole number" : e.getMessage()));
            return settings;
        }
        try {
            return with.apply(settings, value);
        } catch (ConfigurationException e) {
            problems.add("log." + key + " is '" + raw + "': " + e.getMessage());
            return settings;
        }
    }

    /** {@code host:port}, {@code [v6]:port}, or {@code off} for null. */
    static InetSocketAddress address(String text) {
        if (text.equalsIgnoreCase("off")) {
            return null;
        }
        int colon = text.lastIndexOf(':');
        if (colon <= 0 || colon == text.length() - 1) {
            throw new IllegalArgumentException("use host:port (e.g. 127.0.0.1:7070, port 0 for any) or 'off'");
        }
        String host = text.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        int port;
        try {
            port = Integer.parseInt(text.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("the port is not a number: use host:port (e.g. 127.0.0.1:7070)");
        }
        if (port < 0 || port > 65_535) {
            throw new IllegalArgumentException("port " + port + " is outside 0..65535");
        }
        try {
            return new InetSocketAddress(InetAddress.getByName(host), port);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("host '" + host + "' is unknown: use a numeric address of this host");
        }
    }

    private static void closeAll(List<LogSink> sinks) {
        for (LogSink sink : sinks) {
            try {
                sink.close();
            } catch (Exception e) {
                LOG.warn("closing log sink '{}' failed", sink.id(), e);
            }
        }
    }
}
