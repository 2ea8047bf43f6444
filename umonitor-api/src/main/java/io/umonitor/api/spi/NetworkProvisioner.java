package io.umonitor.api.spi;

import io.umonitor.api.Availability;
import io.umonitor.api.ProvisionedNetwork;
import io.umonitor.api.NetworkSpec;

/**
 * Creates and removes the host side of unikernels' network devices (e.g. Linux tap devices).
 *
 * <p>Found with {@link java.util.ServiceLoader} or passed explicitly; public no-argument constructor
 * without I/O, cheap {@link #availability()}, set-up in {@link #initialize}. Thread-safe after initialize:
 * concurrent launches provision concurrently and must never get overlapping names or addresses.
 *
 * @since 0.1
 */
public interface NetworkProvisioner extends AutoCloseable {

    /** Unique, stable, lower-case id such as {@code tap}. */
    String id();

    /** Whether this provisioner can work here (root or CAP_NET_ADMIN, /dev/net/tun), and if not, the fix. */
    Availability availability();

    /** Validates settings (address pool, bridge, namespace) and prepares; called once. */
    default void initialize(ProviderContext context) {
    }

    /**
     * Creates the host side of one device of unikernel {@code unikernel}.
     *
     * @throws io.umonitor.api.ProvisioningException naming the missing capability and the fix
     */
    ProvisionedNetwork provision(String unikernel, NetworkSpec spec);

    /** Removes what {@link #provision} created. Idempotent; never throws for an already removed device. */
    void release(ProvisionedNetwork network);

    /**
     * Removes devices a previous, crashed monitor left behind, found through the provisioner's state
     * file (never by a broad name match). Returns how many were removed.
     */
    default int removeLeftovers() {
        return 0;
    }

    /**
     * Releases what the provisioner holds (locks, state files, helper processes). Called once, when the
     * monitor closes, after every device it provisioned was released. Does nothing by default.
     */
    @Override
    default void close() {
    }
}
