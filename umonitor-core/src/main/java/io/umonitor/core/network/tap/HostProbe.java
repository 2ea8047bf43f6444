package io.umonitor.core.network.tap;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/** What availability() looks at; replaceable so tests can simulate a host without the capability. */
interface HostProbe {

    /** Bit of CAP_NET_ADMIN in the capability masks of /proc/PID/status (linux/capability.h). */
    int CAP_NET_ADMIN = 12;

    /** The CapEff line's hex value from /proc/self/status, or empty when it cannot be read (not Linux). */
    Optional<String> effectiveCapabilities();

    boolean tunDevicePresent();

    /** The {@code ip} executable from PATH or the sbin directories non-root PATHs often lack. */
    Optional<Path> ipExecutable();

    static boolean hasNetAdmin(String capEffHex) {
        try {
            return (Long.parseUnsignedLong(capEffHex.strip(), 16) & (1L << CAP_NET_ADMIN)) != 0;
        } catch (NumberFormatException e) {
            return false;
        }
    }

    static HostProbe system() {
        return new HostProbe() {
            @Override
            public Optional<String> effectiveCapabilities() {
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

            @Override
            public boolean tunDevicePresent() {
                return Files.exists(Path.of("/dev/net/tun"));
            }

            @Override
            public Optional<Path> ipExecutable() {
                Set<String> directories = new LinkedHashSet<>();
                String path = System.getenv("PATH");
                if (path != null) {
                    directories.addAll(List.of(path.split(":")));
                }
                directories.addAll(new ArrayList<>(List.of("/usr/sbin", "/sbin", "/usr/bin", "/bin")));
                for (String directory : directories) {
                    if (directory.isEmpty()) {
                        continue;
                    }
                    Path candidate = Path.of(directory, "ip");
                    if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
                        return Optional.of(candidate);
                    }
                }
                return Optional.empty();
            }
        };
    }
}
