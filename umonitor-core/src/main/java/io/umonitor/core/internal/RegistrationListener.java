package io.umonitor.core.internal;

import java.net.InetAddress;

/**
 * Hears what the lifecycle half decides about who may talk to the monitor: a run registered or
 * unregistered (name and per-launch token), a listening address added or removed (the host side of a
 * unikernel's tap). The log hub's collectors and the invocation gateway both follow these decisions, so
 * both accept exactly the same senders wherever the other listens.
 *
 * <p>Called on the thread that made the decision; implementations must not block for long.
 */
public interface RegistrationListener {

    /** {@code name} may connect with {@code token} from now on (a restart replaces the previous token). */
    void senderRegistered(String name, String token);

    /** {@code name} may no longer open connections. */
    void senderUnregistered(String name);

    /** A unikernel's network device {@code networkDevice} has {@code hostAddress} on the host side. */
    void listeningOn(InetAddress hostAddress, String networkDevice);

    /** The address given to {@link #listeningOn} is going away. */
    void stoppedListeningOn(InetAddress hostAddress);
}
