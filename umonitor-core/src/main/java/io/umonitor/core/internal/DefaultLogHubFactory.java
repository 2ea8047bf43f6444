package io.umonitor.core.internal;

import io.umonitor.api.ConfigurationException;
import io.umonitor.api.spi.LogSink;
import io.umonitor.api.spi.ProviderContext;
import io.umonitor.api.spi.SettingsReader;
import io.umonitor.core.internal.log.DefaultLogHub;
import io.umonitor.core.internal.log.LogHubSettings;
import io.umonitor.core.internal.log.HubLimits;
import io.umonitor.core.internal.log.LogHub;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
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
        SettingsReader reader = new SettingsReader("log", config.properties(), KNOWN);
        LogHubSettings settings = settings(reader);
        HubLimits limits = limits(reader);
        reader.check("log");
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

    /**
     * The hub's settings from {@code log.*}, each unset or invalid one at its default; the reader holds the
     * problems (every bound here is the one {@link LogHubSettings} checks, so valid input constructs).
     */
    static LogHubSettings settings(SettingsReader s) {
        LogHubSettings d = LogHubSettings.defaults();
        int anyInt = Integer.MAX_VALUE;
        return new LogHubSettings(
                s.address("tcpAddress", d.tcpAddress()),
                s.address("udpAddress", d.udpAddress()),
                s.integer("maxFrameLength", d.maxFrameLength(), LogHubSettings.MIN_FRAME_LENGTH,
                        LogHubSettings.MAX_FRAME_LENGTH),
                s.integer("historySize", d.historySize(), 1, anyInt),
                s.integer("sinkQueueCapacity", d.sinkQueueCapacity(), LogHubSettings.MIN_SINK_QUEUE_CAPACITY, anyInt),
                s.longInteger("senderRateLimit", d.senderRateLimit(), 0, Long.MAX_VALUE),
                s.integer("followerQueueCapacity", d.followerQueueCapacity(), 1, anyInt),
                s.millis("reportIntervalMs", d.reportInterval(), 1, Long.MAX_VALUE),
                s.integer("maxSenders", d.maxSenders(), 1, anyInt),
                s.integer("maxConnections", d.maxConnections(), 1, anyInt),
                s.integer("udpReceiveBufferBytes", d.udpReceiveBufferBytes(), 0, anyInt));
    }

    /** The hub's limits from {@code log.*}, as {@link #settings}. */
    static HubLimits limits(SettingsReader s) {
        HubLimits d = HubLimits.defaults();
        long budget = s.longInteger("memoryBudgetBytes", d.memoryBudgetBytes(), 0, Long.MAX_VALUE);
        if (budget > 0 && budget < HubLimits.MIN_BUDGET) {
            s.invalid("memoryBudgetBytes", "use 0 (a quarter of the heap) or at least " + HubLimits.MIN_BUDGET);
            budget = d.memoryBudgetBytes();
        }
        return new HubLimits(
                s.millis("helloTimeoutMs", d.helloTimeout(), 1, Long.MAX_VALUE),
                s.millis("idleTimeoutMs", d.idleTimeout(), 0, Long.MAX_VALUE),
                s.integer("maxConnectionsPerPeer", d.maxConnectionsPerPeer(), 1, Integer.MAX_VALUE),
                budget,
                s.millis("attachedIdleMs", d.attachedIdleEviction(), 0, Long.MAX_VALUE));
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
