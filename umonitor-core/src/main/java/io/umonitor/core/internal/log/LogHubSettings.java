package io.umonitor.core.internal.log;

import io.umonitor.api.ConfigurationException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Settings of the log hub, validated when constructed: every invalid value is reported in one
 * {@link ConfigurationException}.
 *
 * @param tcpAddress where the TCP collector listens (port 0: any free port), or null for no TCP
 * @param udpAddress where the UDP collector listens (port 0: any free port), or null for no UDP
 * @param maxFrameLength the largest frame accepted, 64 to 65,535 bytes; also bounds the read buffer of each
 *     connection
 * @param historySize records kept in memory per sender for {@code history} and {@code follow}
 * @param sinkQueueCapacity records queued per sink before UDP, console and monitor records are dropped
 *     (TCP stops reading at three quarters of it)
 * @param senderRateLimit records per second per sender, 0 for no limit; TCP senders over it are paused,
 *     UDP records over it are dropped and counted
 * @param followerQueueCapacity live records queued per follower before it skips ahead
 * @param reportInterval how often changed counters are reported as MONITOR records
 * @param maxSenders how many sender names the hub keeps at most (bounds attach mode)
 * @param maxConnections how many TCP connections at once
 * @param udpReceiveBufferBytes SO_RCVBUF asked for the UDP socket (the kernel may cap it), 0 for the default
 */
public record LogHubSettings(
        InetSocketAddress tcpAddress,
        InetSocketAddress udpAddress,
        int maxFrameLength,
        int historySize,
        int sinkQueueCapacity,
        long senderRateLimit,
        int followerQueueCapacity,
        Duration reportInterval,
        int maxSenders,
        int maxConnections,
        int udpReceiveBufferBytes) {

    /** The range of {@code maxFrameLength} accepted. */
    public static final int MIN_FRAME_LENGTH = 64;
    public static final int MAX_FRAME_LENGTH = 65_535;
    /** The smallest {@code sinkQueueCapacity} accepted. */
    public static final int MIN_SINK_QUEUE_CAPACITY = 16;

    public LogHubSettings {
        Objects.requireNonNull(reportInterval, "reportInterval");
        List<String> problems = new ArrayList<>();
        if (maxFrameLength < MIN_FRAME_LENGTH || maxFrameLength > MAX_FRAME_LENGTH) {
            problems.add("maxFrameLength " + maxFrameLength + " is outside " + MIN_FRAME_LENGTH + ".."
                    + MAX_FRAME_LENGTH);
        }
        if (historySize < 1) {
            problems.add("historySize " + historySize + " must be at least 1");
        }
        if (sinkQueueCapacity < MIN_SINK_QUEUE_CAPACITY) {
            problems.add("sinkQueueCapacity " + sinkQueueCapacity + " must be at least " + MIN_SINK_QUEUE_CAPACITY);
        }
        if (senderRateLimit < 0) {
            problems.add("senderRateLimit " + senderRateLimit + " must be 0 (no limit) or positive");
        }
        if (followerQueueCapacity < 1) {
            problems.add("followerQueueCapacity " + followerQueueCapacity + " must be at least 1");
        }
        if (reportInterval.isNegative() || reportInterval.isZero()) {
            problems.add("reportInterval " + reportInterval + " must be positive");
        }
        if (maxSenders < 1) {
            problems.add("maxSenders " + maxSenders + " must be at least 1");
        }
        if (maxConnections < 1) {
            problems.add("maxConnections " + maxConnections + " must be at least 1");
        }
        if (udpReceiveBufferBytes < 0) {
            problems.add("udpReceiveBufferBytes " + udpReceiveBufferBytes + " must be 0 (default) or positive");
        }
        if (!problems.isEmpty()) {
            throw new ConfigurationException("invalid log hub settings: " + String.join("; ", problems)
                    + ": fix these values (LogHubSettings.defaults() has working ones)");
        }
    }

    /** Loopback, any free ports, 64 KiB frames, 4,096 records of history per sender, no rate limit. */
    public static LogHubSettings defaults() {
        InetAddress loopback = InetAddress.getLoopbackAddress();
        return new LogHubSettings(new InetSocketAddress(loopback, 0), new InetSocketAddress(loopback, 0), 65_535,
                4096, 32_768, 0, 65_536, Duration.ofSeconds(1), 10_000, 4096, 4 * 1024 * 1024);
    }

    public LogHubSettings withTcpAddress(InetSocketAddress address) {
        return new LogHubSettings(address, udpAddress, maxFrameLength, historySize, sinkQueueCapacity, senderRateLimit,
                followerQueueCapacity, reportInterval, maxSenders, maxConnections, udpReceiveBufferBytes);
    }

    public LogHubSettings withUdpAddress(InetSocketAddress address) {
        return new LogHubSettings(tcpAddress, address, maxFrameLength, historySize, sinkQueueCapacity, senderRateLimit,
                followerQueueCapacity, reportInterval, maxSenders, maxConnections, udpReceiveBufferBytes);
    }

    public LogHubSettings withMaxFrameLength(int value) {
        return new LogHubSettings(tcpAddress, udpAddress, value, historySize, sinkQueueCapacity, senderRateLimit,
                followerQueueCapacity, reportInterval, maxSenders, maxConnections, udpReceiveBufferBytes);
    }

    public LogHubSettings withHistorySize(int value) {
        return new LogHubSettings(tcpAddress, udpAddress, maxFrameLength, value, sinkQueueCapacity, senderRateLimit,
                followerQueueCapacity, reportInterval, maxSenders, maxConnections, udpReceiveBufferBytes);
    }

    public LogHubSettings withSinkQueueCapacity(int value) {
        return new LogHubSettings(tcpAddress, udpAddress, maxFrameLength, historySize, value, senderRateLimit,
                followerQueueCapacity, reportInterval, maxSenders, maxConnections, udpReceiveBufferBytes);
    }

    public LogHubSettings withSenderRateLimit(long value) {
        return new LogHubSettings(tcpAddress, udpAddress, maxFrameLength, historySize, sinkQueueCapacity, value,
                followerQueueCapacity, reportInterval, maxSenders, maxConnections, udpReceiveBufferBytes);
    }

    public LogHubSettings withFollowerQueueCapacity(int value) {
        return new LogHubSettings(tcpAddress, udpAddress, maxFrameLength, historySize, sinkQueueCapacity,
                senderRateLimit,
                value, reportInterval, maxSenders, maxConnections, udpReceiveBufferBytes);
    }

    public LogHubSettings withReportInterval(Duration value) {
        return new LogHubSettings(tcpAddress, udpAddress, maxFrameLength, historySize, sinkQueueCapacity,
                senderRateLimit,
                followerQueueCapacity, value, maxSenders, maxConnections, udpReceiveBufferBytes);
    }

    public LogHubSettings withMaxSenders(int value) {
        return new LogHubSettings(tcpAddress, udpAddress, maxFrameLength, historySize, sinkQueueCapacity,
                senderRateLimit,
                followerQueueCapacity, reportInterval, value, maxConnections, udpReceiveBufferBytes);
    }

    public LogHubSettings withMaxConnections(int value) {
        return new LogHubSettings(tcpAddress, udpAddress, maxFrameLength, historySize, sinkQueueCapacity,
                senderRateLimit,
                followerQueueCapacity, reportInterval, maxSenders, value, udpReceiveBufferBytes);
    }

    public LogHubSettings withUdpReceiveBufferBytes(int value) {
        return new LogHubSettings(tcpAddress, udpAddress, maxFrameLength, historySize, sinkQueueCapacity,
                senderRateLimit,
                followerQueueCapacity, reportInterval, maxSenders, maxConnections, value);
    }
}
