package io.umonitor.rumprun.internal;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/** Finds executables and probes KVM without starting anything. */
public final class QemuExecutable {

    public static final String DEFAULT_NAME = "qemu-system-x86_64";
    public static final Path KVM_DEVICE = Path.of("/dev/kvm");

    private QemuExecutable() {
    }

    /** {@code nameOrPath} itself when it contains a slash, else the first match on PATH (then /usr/sbin, /sbin). */
    public static Optional<Path> find(String nameOrPath) {
        if (nameOrPath.contains("/")) {
            Path p = Path.of(nameOrPath);
            return Files.isExecutable(p) ? Optional.of(p) : Optional.empty();
        }
        String path = System.getenv().getOrDefault("PATH", "");
        for (String dir : (path + File.pathSeparator + "/usr/sbin" + File.pathSeparator + "/sbin")
                .split(File.pathSeparator)) {
            if (dir.isEmpty()) {
                continue;
            }
            Path candidate = Path.of(dir, nameOrPath);
            if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
                return Optional.of(candidate);
            }
        }
        return Optional.empty();
    }

    /** Why KVM cannot be used here, or empty when /dev/kvm is there and open to us. */
    public static Optional<String> kvmProblem() {
        if (!Files.exists(KVM_DEVICE)) {
            return Optional.of("/dev/kvm does not exist (no KVM module loaded, or not exposed to this container)");
        }
        if (!Files.isReadable(KVM_DEVICE) || !Files.isWritable(KVM_DEVICE)) {
            return Optional.of("/dev/kvm is not readable and writable by this user (add it to the kvm group)");
        }
        return Optional.empty();
    }
}
