package io.umonitor.core.network.tap;

import io.umonitor.kit.host.Executables;
import io.umonitor.kit.host.HostChecks;
import java.nio.file.Path;
import java.util.Optional;

/** What availability() looks at; replaceable so tests can simulate a host without the capability. */
interface HostProbe {

    /** Bit of CAP_NET_ADMIN in the capability masks of /proc/PID/status (linux/capability.h). */
    int CAP_NET_ADMIN = HostChecks.CAP_NET_ADMIN;

    /** The CapEff line's hex value from /proc/self/status, or empty when it cannot be read (not Linux). */
    Optional<String> effectiveCapabilities();

    boolean tunDevicePresent();

    /** The {@code ip} executable from PATH or the sbin directories non-root PATHs often lack. */
    Optional<Path> ipExecutable();

    static boolean hasNetAdmin(String capEffHex) {
        return HostChecks.hasCapability(capEffHex, CAP_NET_ADMIN);
    }

    static HostProbe system() {
        return new HostProbe() {
            @Override
            public Optional<String> effectiveCapabilities() {
                return HostChecks.effectiveCapabilities();
            }

            @Override
            public boolean tunDevicePresent() {
                return HostChecks.tunProblem().isEmpty();
            }

            @Override
            public Optional<Path> ipExecutable() {
                return Executables.find("ip");
            }
        };
    }
}
