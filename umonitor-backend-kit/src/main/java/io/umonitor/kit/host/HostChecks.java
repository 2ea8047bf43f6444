package io.umonitor.kit.host;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * What a backend or provisioner checks on the host before it says it is usable, worded the same
 * everywhere: each check returns empty when all is well, else a sentence saying what is wrong and how
 * to fix it.
 *
 * @since 0.1
 */
public final class HostChecks {

    public static final Path KVM_DEVICE = Path.of("/dev/kvm");
    public static final Path TUN_DEVICE = Path.of("/dev/net/tun");

    /** Bit of CAP_NET_ADMIN in the capability masks of /proc/PID/status (linux/capability.h). */
    public static final int CAP_NET_ADMIN = 12;
    /** Bit of CAP_SYS_ADMIN (entering another network namespace needs it). */
    public static final int CAP_SYS_ADMIN = 21;

    private HostChecks() {
    }

    /** Why KVM cannot be used here, or empty when /dev/kvm exists and this user may read and write it. */
    public static Optional<String> kvmProblem() {
        return kvmProblem(KVM_DEVICE);
    }

    static Optional<String> kvmProblem(Path device) {
        if (!Files.exists(device)) {
            return Optional.of(device + " does not exist (no KVM module loaded, or not exposed to this container): "
                    + "enable KVM (modprobe kvm_intel or kvm_amd; docker run --device /dev/kvm)");
        }
        if (!Files.isReadable(device) || !Files.isWritable(device)) {
            return Optional.of(device + " is not readable and writable by this user: add the user to the kvm group "
                    + "(usermod -aG kvm USER, then log in again)");
        }
        return Optional.empty();
    }

    /** What {@link #tunProblem()} says, for checks that look at the device their own way. */
    public static final String TUN_MISSING = TUN_DEVICE + " is missing: load the tun module (modprobe tun) or, in a "
            + "container, pass the device (docker run --device /dev/net/tun)";

    /** Why tap devices cannot be created for lack of the tun device, or empty when it is there. */
    public static Optional<String> tunProblem() {
        return Files.exists(TUN_DEVICE) ? Optional.empty() : Optional.of(TUN_MISSING);
    }

    /** The CapEff line's hex value from /proc/self/status, or empty when it cannot be read (not Linux). */
    public static Optional<String> effectiveCapabilities() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("CapEff:")) {
                    return Optional.of(line.substring("CapEff:".length()).strip());
                }
            }
            return Optional.empty();
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    /** Whether capability number {@code bit} is set in a CapEff hex mask; false for a malformed mask. */
    public static boolean hasCapability(String capEffHex, int bit) {
        try {
            return (Long.parseUnsignedLong(capEffHex.strip(), 16) & (1L << bit)) != 0;
        } catch (NumberFormatException e) {
            return false;
        }
    }
}
