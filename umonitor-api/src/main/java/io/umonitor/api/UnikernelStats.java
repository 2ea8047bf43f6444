package io.umonitor.api;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * Resource figures of one running unikernel, sampled from the host (like {@code docker stats}): its host
 * process tree (tender, VMM or process, and whatever it started) and its network devices.
 *
 * @param unikernel the unikernel's name
 * @param sampledAt when the figures were read
 * @param uptime since the current run's host process started
 * @param restarts restarts so far
 * @param processes host processes in the tree (the guest's process and its descendants or session)
 * @param cpuUser user CPU time of the tree, including children it has reaped
 * @param cpuSystem system CPU time of the tree, likewise
 * @param rssBytes resident memory of the tree now
 * @param peakRssBytes the sum of each live process's peak resident memory (an upper bound of the tree's
 *     peak)
 * @param networks counters of the devices the unikernel's networks use, as the host sees them
 * @since 0.2
 */
public record UnikernelStats(String unikernel, Instant sampledAt, Duration uptime, int restarts, int processes,
        Duration cpuUser, Duration cpuSystem, long rssBytes, long peakRssBytes, List<InterfaceStats> networks) {

    public UnikernelStats {
        Objects.requireNonNull(unikernel, "unikernel");
        Objects.requireNonNull(sampledAt, "sampledAt");
        Objects.requireNonNull(uptime, "uptime");
        Objects.requireNonNull(cpuUser, "cpuUser");
        Objects.requireNonNull(cpuSystem, "cpuSystem");
        networks = List.copyOf(networks);
    }

    /**
     * Counters of one network device (a tap), read where the device lives (inside its network namespace
     * when it has one). Received and transmitted are from the host's side of the device.
     *
     * @since 0.2
     */
    public record InterfaceStats(String device, long rxBytes, long rxPackets, long rxErrors, long rxDropped,
            long txBytes, long txPackets, long txErrors, long txDropped) {
        public InterfaceStats {
            Objects.requireNonNull(device, "device");
        }
    }
}
