package io.umonitor.api;

import java.net.InetAddress;
import java.util.Objects;
import java.util.Optional;

/**
 * The host side of one network device of one unikernel, as a provisioner created it.
 *
 * @param provisionerId id of the provisioner that created it (and must release it)
 * @param deviceName the spec's device name (e.g. {@code service0})
 * @param hostInterface the host interface, e.g. the tap {@code umtap3}
 * @param mac the guest MAC address
 * @param hostAddress the host's address on this link (where the collector listens for this guest)
 * @param guestAddress the address the guest should configure
 * @param prefixLength the subnet prefix length shared by host and guest
 * @param namespace the network namespace the interface lives in, or null for the current one
 * <p>Stable API. In {@code api}, not {@code api.spi}: applications read it from
 * {@link UnikernelHandle#networks()}, and provisioners and backends exchange it.
 *
 * @since 0.1
 */
public record ProvisionedNetwork(
        String provisionerId,
        String deviceName,
        String hostInterface,
        String mac,
        InetAddress hostAddress,
        InetAddress guestAddress,
        int prefixLength,
        String namespace) {

    public ProvisionedNetwork {
        Objects.requireNonNull(provisionerId, "provisionerId");
        Objects.requireNonNull(deviceName, "deviceName");
        Objects.requireNonNull(hostInterface, "hostInterface");
        Objects.requireNonNull(mac, "mac");
        Objects.requireNonNull(hostAddress, "hostAddress");
        Objects.requireNonNull(guestAddress, "guestAddress");
        if (prefixLength < 0 || prefixLength > 32) {
            throw new IllegalArgumentException("prefixLength " + prefixLength + " outside 0..32");
        }
    }

    public Optional<String> networkNamespace() {
        return Optional.ofNullable(namespace);
    }

    /** The guest address in CIDR form, e.g. {@code 10.77.0.2/30}. */
    public String guestCidr() {
        return guestAddress.getHostAddress() + "/" + prefixLength;
    }
}
