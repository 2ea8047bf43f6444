package io.umonitor.api;

import java.net.InetSocketAddress;
import java.util.Objects;

/**
 * An address where the monitor's log collector listens, as the guest must dial it.
 *
 * @param transport TCP or UDP
 * @param address the address and port
 * @param networkDevice the name of the unikernel's network device through which the address is
 *     reached (its tap's host side), or null for the host's loopback (process backend, user-mode networking)
 * <p>Stable API. In {@code api}, not {@code api.spi}: applications read it from {@code Monitor.endpoints()}
 * (attached senders dial it), and backends pass it to their guests.
 *
 * @since 0.1
 */
public record CollectorEndpoint(Transport transport, InetSocketAddress address, String networkDevice) {
    public enum Transport { TCP, UDP }

    public CollectorEndpoint {
        Objects.requireNonNull(transport, "transport");
        Objects.requireNonNull(address, "address");
    }

    /** {@code host:port} with a numeric host, the form log clients take. */
    public String hostAndPort() {
        String host = address.getAddress().getHostAddress();
        // IPv6 needs brackets to be usable as host:port; a percent-scoped address keeps its scope inside them.
        return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + address.getPort();
    }
}
