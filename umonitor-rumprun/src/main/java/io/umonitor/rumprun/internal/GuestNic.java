package io.umonitor.rumprun.internal;

import io.umonitor.api.NetworkSpec;

/**
 * One virtio NIC of a QEMU guest and how the guest configures it.
 *
 * @param netdevId QEMU's id of the host side ({@code net0}, ...)
 * @param spec the spec's device
 * @param hostInterface the tap the NIC is attached to, or null for user-mode networking
 * @param namespace the network namespace the tap lives in (QEMU must run there), or null
 * @param userSubnet for user-mode networking, the /24 QEMU serves (e.g. 10.0.2.0/24), else null
 * @param mac the guest MAC address
 * @param guestAddress the address the guest configures
 * @param prefixLength its prefix length
 * @param gateway where the guest reaches the host (the tap's host address, or user-mode's 10.0.x.2)
 */
public record GuestNic(
        String netdevId,
        NetworkSpec spec,
        String hostInterface,
        String namespace,
        String userSubnet,
        String mac,
        String guestAddress,
        int prefixLength,
        String gateway) {

    public boolean isUserMode() {
        return hostInterface == null;
    }
}
