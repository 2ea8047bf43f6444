package io.umonitor.core.network.tap;

/**
 * What the state file says about one tap device: written before the device is created (so a crash right
 * after creation still leaves a trace), updated with the interface index once it exists, deleted after
 * the device is removed.
 *
 * @param ifindex the kernel's interface index once created, -1 before; an interface of the same name
 *     with another index is someone else's and is never deleted
 * @param ownerPid the monitor process that created the device
 * @param ownerStartMillis that process's start time, so a reused pid is not mistaken for the owner
 * @param monitorId the provisioner instance, distinguishing several monitors in one JVM
 */
record DeviceRecord(
        String name,
        String namespace,
        String bridge,
        String unikernel,
        String device,
        String mac,
        String hostAddress,
        String guestAddress,
        int prefixLength,
        long ownerPid,
        long ownerStartMillis,
        String monitorId,
        int ifindex,
        String createdAt) {

    DeviceRecord withIfindex(int newIfindex) {
        return new DeviceRecord(name, namespace, bridge, unikernel, device, mac, hostAddress, guestAddress,
                prefixLength, ownerPid, ownerStartMillis, monitorId, newIfindex, createdAt);
    }

    String where() {
        return namespace == null ? "'" + name + "'" : "'" + name + "' in network namespace '" + namespace + "'";
    }
}
