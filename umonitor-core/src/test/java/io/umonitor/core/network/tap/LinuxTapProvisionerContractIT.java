package io.umonitor.core.network.tap;

import io.umonitor.api.spi.NetworkProvisioner;
import io.umonitor.testkit.NetworkNamespaces;
import io.umonitor.testkit.NetworkProvisionerContract;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;

/**
 * The tap provisioner against the provisioner contract, inside a network namespace the test creates
 * and deletes (with every interface in it). Needs root (or CAP_NET_ADMIN and CAP_SYS_ADMIN),
 * /dev/net/tun and iproute2; skipped with the reason otherwise.
 */
class LinuxTapProvisionerContractIT extends NetworkProvisionerContract {

    private static String namespace;

    @BeforeAll
    static void createNamespace() throws Exception {
        HostProbe host = HostProbe.system();
        Assumptions.assumeTrue(host.ipExecutable().isPresent(), "iproute2's 'ip' is not installed: apt-get install iproute2");
        Assumptions.assumeTrue(host.tunDevicePresent(),
                "/dev/net/tun is missing: modprobe tun, or run the container with --device /dev/net/tun");
        Assumptions.assumeTrue(host.effectiveCapabilities().map(HostProbe::hasNetAdmin).orElse(false),
                "tap tests need root or CAP_NET_ADMIN (and CAP_SYS_ADMIN for network namespaces)");
        String name = "umt-tck-" + Long.toString(ThreadLocalRandom.current().nextLong(1L << 40), 36);
        Optional<String> unusable = NetworkNamespaces.createEnterable(name);
        Assumptions.assumeTrue(unusable.isEmpty(), () -> unusable.get());
        namespace = name;
    }

    @AfterAll
    static void deleteNamespace() throws Exception {
        if (namespace != null) {
            ip("netns", "del", namespace);
        }
    }

    private static int ip(String... args) throws Exception {
        String[] command = new String[args.length + 1];
        command[0] = "ip";
        System.arraycopy(args, 0, command, 1, args.length);
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        p.getInputStream().readAllBytes();
        if (!p.waitFor(20, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            return -1;
        }
        return p.exitValue();
    }

    @Override
    protected NetworkProvisioner createProvisioner() {
        return new LinuxTapProvisioner();
    }

    @Override
    protected Map<String, String> settings() {
        return Map.of(LinuxTapProvisioner.NAMESPACE, namespace, LinuxTapProvisioner.POOL, "10.79.0.0/20");
    }

    @Override
    protected boolean hostSideExists(String hostInterface) throws Exception {
        Process p = new ProcessBuilder("ip", "-n", namespace, "link", "show", "dev", hostInterface)
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        p.waitFor(20, TimeUnit.SECONDS);
        return p.exitValue() == 0 && out.contains(hostInterface);
    }
}
