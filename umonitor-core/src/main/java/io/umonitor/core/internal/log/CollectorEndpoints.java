package io.umonitor.core.internal.log;

import io.umonitor.api.ConfigurationException;
import io.umonitor.api.CollectorEndpoint;
import io.umonitor.core.internal.collect.Ingest;
import io.umonitor.core.internal.collect.TcpCollector;
import io.umonitor.core.internal.collect.UdpCollector;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The TCP and UDP collectors and where they listen: on loopback from the start, and on the host side of
 * each unikernel's tap while it runs (the same ports where possible).
 */
final class CollectorEndpoints {
    private final TcpCollector tcp;
    private final UdpCollector udp;
    private final List<CollectorEndpoint> loopbackEndpoints;
    private final Map<InetAddress, List<CollectorEndpoint>> extraEndpoints = new HashMap<>();

    /**
     * Starts the collectors the settings ask for.
     *
     * @throws ConfigurationException when one cannot listen where the settings say (none is left running)
     */
    CollectorEndpoints(LogHubSettings settings, HubLimits limits, MemoryBudget budget, Ingest ingest) {
        List<CollectorEndpoint> endpoints = new ArrayList<>();
        TcpCollector tcpCollector = null;
        UdpCollector udpCollector = null;
        try {
            if (settings.tcpAddress() != null) {
                tcpCollector = new TcpCollector(ingest, settings.maxFrameLength(), settings.maxConnections(),
                        limits.admission(), budget.connections);
                endpoints.add(new CollectorEndpoint(CollectorEndpoint.Transport.TCP,
                        usable(tcpCollector.listen(settings.tcpAddress())), null));
            }
            if (settings.udpAddress() != null) {
                udpCollector = new UdpCollector(ingest, settings.maxFrameLength(), settings.udpReceiveBufferBytes());
                endpoints.add(new CollectorEndpoint(CollectorEndpoint.Transport.UDP,
                        usable(udpCollector.listen(settings.udpAddress())), null));
            }
        } catch (IOException | RuntimeException e) {
            if (tcpCollector != null) {
                tcpCollector.close();
            }
            if (udpCollector != null) {
                udpCollector.close();
            }
            throw new ConfigurationException("the log collectors cannot listen on TCP " + settings.tcpAddress()
                    + " / UDP " + settings.udpAddress() + ": " + e.getMessage()
                    + ": choose a free port (0 picks one) on an address of this host", e);
        }
        this.tcp = tcpCollector;
        this.udp = udpCollector;
        this.loopbackEndpoints = List.copyOf(endpoints);
    }

    /** A wildcard bind (0.0.0.0, ::) is reached locally at 127.0.0.1: that is the address to hand out. */
    private static InetSocketAddress usable(InetSocketAddress bound) {
        if (bound.getAddress().isAnyLocalAddress()) {
            return new InetSocketAddress(InetAddress.getLoopbackAddress(), bound.getPort());
        }
        return bound;
    }

    /** The TCP collector's admission counters (all zero without a TCP collector). */
    TcpCollector.AdmissionStats admissionStats() {
        return tcp == null ? new TcpCollector.AdmissionStats(0, 0, 0, 0, 0, 0, 0, 0, 0) : tcp.admissionStats();
    }

    /** Failures the collectors survived, and whether one stopped for good. */
    void counters(Map<String, Long> into) {
        into.put("tcp.collector.failures", tcp == null ? 0 : tcp.failures());
        into.put("tcp.collector.broken", tcp != null && tcp.broken() ? 1L : 0L);
        into.put("udp.collector.failures", udp == null ? 0 : udp.failures());
        into.put("udp.collector.broken", udp != null && udp.broken() ? 1L : 0L);
    }

    List<CollectorEndpoint> loopbackEndpoints() {
        return loopbackEndpoints;
    }

    List<CollectorEndpoint> listenOn(InetAddress hostAddress, String networkDevice) {
        Objects.requireNonNull(hostAddress, "hostAddress");
        synchronized (extraEndpoints) {
            List<CollectorEndpoint> existing = extraEndpoints.get(hostAddress);
            if (existing != null) {
                return existing.stream()
                        .map(e -> new CollectorEndpoint(e.transport(), e.address(), networkDevice)).toList();
            }
            List<CollectorEndpoint> endpoints = new ArrayList<>();
            try {
                for (CollectorEndpoint loopback : loopbackEndpoints) {
                    int port = loopback.address().getPort();
                    InetSocketAddress bound = loopback.transport() == CollectorEndpoint.Transport.TCP
                            ? bindTcp(hostAddress, port) : bindUdp(hostAddress, port);
                    endpoints.add(new CollectorEndpoint(loopback.transport(), bound, networkDevice));
                }
            } catch (IOException | UncheckedIOException e) {
                stopListeningOn(hostAddress);
                throw new ConfigurationException("the log collectors cannot listen on " + hostAddress.getHostAddress()
                        + " (device " + networkDevice + "): " + e.getMessage()
                        + ": the address must be assigned to an interface of this host", e);
            }
            extraEndpoints.put(hostAddress, List.copyOf(endpoints));
            return List.copyOf(endpoints);
        }
    }

    private InetSocketAddress bindTcp(InetAddress address, int preferredPort) throws IOException {
        try {
            return tcp.listen(new InetSocketAddress(address, preferredPort));
        } catch (IOException e) {
            return tcp.listen(new InetSocketAddress(address, 0));
        }
    }

    private InetSocketAddress bindUdp(InetAddress address, int preferredPort) throws IOException {
        try {
            return udp.listen(new InetSocketAddress(address, preferredPort));
        } catch (IOException e) {
            return udp.listen(new InetSocketAddress(address, 0));
        }
    }

    void stopListeningOn(InetAddress hostAddress) {
        synchronized (extraEndpoints) {
            extraEndpoints.remove(hostAddress);
        }
        // Outside the lock: this waits for the selector threads, and other launches must not wait behind it.
        if (tcp != null) {
            tcp.stopListening(hostAddress);
        }
        if (udp != null) {
            udp.stopListening(hostAddress);
        }
    }

    /** Reads what senders had already sent, hands it on, then stops listening and closes every connection. */
    void close() {
        if (tcp != null) {
            tcp.close();
        }
        if (udp != null) {
            udp.close();
        }
    }
}
