package io.umonitor.solo5;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.umonitor.kit.process.ToolRunner;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/** A network namespace a test creates and always deletes ({@code umt-solo5-RANDOM}). */
final class TestNamespace implements AutoCloseable {

    final String name;

    private TestNamespace(String name) {
        this.name = name;
    }

    /** Skips the test unless namespaces and taps can be created here (root, ip, /dev/net/tun). */
    static TestNamespace create() throws IOException {
        assumeTrue(Solo5TestKernels.isRoot(), "creating network namespaces and taps needs root (or CAP_NET_ADMIN)");
        assumeTrue(Files.exists(Path.of("/dev/net/tun")), "/dev/net/tun is missing: load the tun module (modprobe tun)");
        assumeTrue(Files.isExecutable(Path.of("/usr/sbin/ip")) || Files.isExecutable(Path.of("/sbin/ip")),
                "ip not found: install iproute2");
        byte[] random = new byte[3];
        new SecureRandom().nextBytes(random);
        String name = "umt-solo5-" + HexFormat.of().formatHex(random);
        ToolRunner.Result r = ToolRunner.run(List.of("ip", "netns", "add", name), Duration.ofSeconds(10));
        if (r.exitCode() != 0) {
            throw new IOException("ip netns add " + name + " failed: " + r.output());
        }
        // Inside a chroot (a debootstrap "fresh machine") a namespace can be made but not entered.
        ToolRunner.Result enter = ToolRunner.run(List.of("ip", "-n", name, "link", "set", "lo", "up"), Duration.ofSeconds(10));
        if (enter.exitCode() != 0) {
            ToolRunner.run(List.of("ip", "netns", "del", name), Duration.ofSeconds(10));
            assumeTrue(false, "network namespaces cannot be entered here (" + enter.output().strip()
                    + "): run the tests on a real host or VM, not in a chroot");
        }
        return new TestNamespace(name);
    }

    /** Runs a command inside the namespace. */
    ToolRunner.Result exec(Duration timeout, String... command) throws IOException {
        List<String> argv = new ArrayList<>(List.of("ip", "netns", "exec", name));
        argv.addAll(List.of(command));
        return ToolRunner.run(argv, timeout);
    }

    @Override
    public void close() throws IOException {
        ToolRunner.run(List.of("ip", "netns", "del", name), Duration.ofSeconds(10));
    }
}
