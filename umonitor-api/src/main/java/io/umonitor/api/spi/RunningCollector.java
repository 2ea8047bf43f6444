package io.umonitor.api.spi;

import io.umonitor.api.ProvisionedNetwork;
import java.net.InetAddress;
import java.util.List;
import java.util.Map;

/**
 * A started {@link CollectorExtension}: it hears what the monitor decides about who may send and where it
 * listens, and adds its own guest parameters to each launch. Called on the deciding thread; must not block
 * for long. Closed once, before the log hub.
 *
 * @since 0.1
 */
public interface RunningCollector extends AutoCloseable {

    /** A unikernel's network device {@code networkDevice} has {@code hostAddress} on the host side: listen there too. */
    default void listeningOn(InetAddress hostAddress, String networkDevice) {
    }

    /** The address given to {@link #listeningOn} is going away. */
    default void stoppedListeningOn(InetAddress hostAddress) {
    }

    /** {@code name}'s run ended: forget what identifies it (its addresses). */
    default void senderUnregistered(String name) {
    }

    /** Settings this collector adds to a launch's guest parameters (e.g. where to send syslog). */
    default Map<String, String> guestParameters(String unikernel, List<ProvisionedNetwork> networks) {
        return Map.of();
    }

    /** Stops listening. Idempotent. */
    @Override
    void close();
}
