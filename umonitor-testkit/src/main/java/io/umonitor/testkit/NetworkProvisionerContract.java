package io.umonitor.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.umonitor.api.ConfigurationException;
import io.umonitor.api.NetworkSpec;
import io.umonitor.api.Availability;
import io.umonitor.api.spi.NetworkProvisioner;
import io.umonitor.api.spi.ProviderContext;
import io.umonitor.api.ProvisionedNetwork;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What every {@link NetworkProvisioner} must do, as tests: extend this class, say how to create the
 * provisioner, with which settings, and how to tell whether a device's host side exists.
 *
 * <pre>{@code
 * class MyProvisionerContractIT extends NetworkProvisionerContract {
 *     protected NetworkProvisioner createProvisioner() { return new MyProvisioner(); }
 *     protected boolean hostSideExists(String hostInterface) { ... ask the host ... }
 * }
 * }</pre>
 *
 * <p>Every test skips with the provisioner's reason where {@link NetworkProvisioner#availability()}
 * says it cannot work here. The crash test runs the provisioner in a child JVM (through its public
 * no-argument constructor, as {@link java.util.ServiceLoader} would), kills that JVM with SIGKILL, then
 * checks that a new provisioner on the same state directory removes what it left.
 *
 * @since 0.2
 */
public abstract class NetworkProvisionerContract {

    /** State and work directories of the provisioners of one test live below it. */
    @TempDir
    protected Path testDirectory;

    private NetworkProvisioner provisioner;
    private final List<ProvisionedNetwork> provisioned = new ArrayList<>();

    // ---- what the subclass supplies -------------------------------------------------------------

    /** A new, uninitialised provisioner. */
    protected abstract NetworkProvisioner createProvisioner();

    /**
     * Whether the host side of a device exists now (e.g. {@code ip link show dev TAP} in the namespace
     * the settings name).
     *
     * @param hostInterface {@link ProvisionedNetwork#hostInterface()} of the device
     */
    protected abstract boolean hostSideExists(String hostInterface) throws Exception;

    /** Settings for {@code initialize}, keys without the provisioner's {@code ID.} prefix. Default: none. */
    protected Map<String, String> settings() {
        return Map.of();
    }

    /** How long one provision or removal may take. Default 30 s. */
    protected Duration timeout() {
        return Duration.ofSeconds(30);
    }

    // ---- machinery --------------------------------------------------------------------------------

    @BeforeEach
    final void createAndInitialise() throws IOException {
        NetworkProvisioner candidate = createProvisioner();
        Availability availability = candidate.availability();
        assumeTrue(availability.isUsable(), () -> "provisioner '" + candidate.id() + "' cannot work here: "
                + availability.reason());
        candidate.initialize(context(testDirectory.resolve("monitor")));
        provisioner = candidate;
    }

    @AfterEach
    final void releaseWhatIsLeft() throws Exception {
        if (provisioner == null) {
            return;
        }
        for (ProvisionedNetwork network : provisioned) {
            provisioner.release(network);
        }
        provisioner.close();
    }

    private ProviderContext context(Path base) throws IOException {
        return new ProviderContext(settings(), Files.createDirectories(base.resolve("state")),
                Files.createDirectories(base.resolve("work")));
    }

    /** The initialised provisioner under test. */
    protected final NetworkProvisioner provisioner() {
        return provisioner;
    }

    private ProvisionedNetwork provision(String unikernel, String device) {
        ProvisionedNetwork network = provisioner.provision(unikernel, NetworkSpec.tap(device));
        provisioned.add(network);
        return network;
    }

    private static String unique(String prefix) {
        byte[] bytes = new byte[3];
        new SecureRandom().nextBytes(bytes);
        return prefix + "-" + HexFormat.of().formatHex(bytes);
    }

    // ---- the contract -------------------------------------------------------------------------

    @Test
    void theIdIsStableAndLowerCase() {
        assertTrue(provisioner.id().matches("[a-z][a-z0-9-]*"), "id '" + provisioner.id() + "'");
        assertEquals(provisioner.id(), createProvisioner().id());
    }

    @Test
    void anUnknownSettingIsRefusedAtInitializeNamingIt() throws IOException {
        Map<String, String> settings = new HashMap<>(settings());
        settings.put("no-such-setting", "1");
        NetworkProvisioner fresh = createProvisioner();
        Path dir = Files.createDirectories(testDirectory.resolve("unknown"));
        ConfigurationException e = assertThrows(ConfigurationException.class,
                () -> fresh.initialize(new ProviderContext(settings, dir, dir)));
        assertTrue(e.getMessage().contains("no-such-setting"), e.getMessage());
    }

    @Test
    void provisionCreatesADeviceAndReleaseRemovesItTwiceHarmlessly() throws Exception {
        String unikernel = unique("contract");
        ProvisionedNetwork network = provision(unikernel, "service0");

        assertEquals(provisioner.id(), network.provisionerId(), "the device names the provisioner that releases it");
        assertEquals("service0", network.deviceName());
        assertFalse(network.hostInterface().isBlank());
        assertTrue(network.mac().matches("([0-9a-f]{2}:){5}[0-9a-f]{2}"), "a lower-case MAC: " + network.mac());
        assertNotEquals(network.hostAddress(), network.guestAddress(), "host and guest need their own addresses");
        assertTrue(hostSideExists(network.hostInterface()), network + " exists after provision");

        provisioner.release(network);
        assertFalse(hostSideExists(network.hostInterface()), network + " is gone after release");
        provisioner.release(network);
        provisioned.remove(network);
    }

    @Test
    void sixteenConcurrentProvisionsAreDistinctAndAllReleased() throws Exception {
        String prefix = unique("many");
        ExecutorService pool = Executors.newFixedThreadPool(8);
        List<Future<ProvisionedNetwork>> futures = new ArrayList<>();
        try {
            for (int i = 0; i < 16; i++) {
                String unikernel = prefix + "-" + i;
                futures.add(pool.submit(() -> provisioner.provision(unikernel, NetworkSpec.tap("service0"))));
            }
            List<ProvisionedNetwork> networks = new ArrayList<>();
            List<Throwable> failures = new ArrayList<>();
            for (Future<ProvisionedNetwork> f : futures) {
                try {
                    networks.add(f.get(timeout().toMillis(), TimeUnit.MILLISECONDS));
                } catch (java.util.concurrent.ExecutionException e) {
                    failures.add(e.getCause());
                }
            }
            provisioned.addAll(networks);
            assertEquals(List.of(), failures, "16 provisions from 8 threads");
            assertEquals(16, distinct(networks, ProvisionedNetwork::hostInterface), "distinct host interfaces");
            assertEquals(16, distinct(networks, n -> n.guestAddress().getHostAddress()), "distinct guest addresses");
            assertEquals(16, distinct(networks, ProvisionedNetwork::mac), "distinct MACs");
            for (ProvisionedNetwork n : networks) {
                assertTrue(hostSideExists(n.hostInterface()), n + " exists");
            }
            List<Future<?>> releases = new ArrayList<>();
            for (ProvisionedNetwork n : networks) {
                releases.add(pool.submit(() -> provisioner.release(n)));
            }
            for (Future<?> f : releases) {
                f.get(timeout().toMillis(), TimeUnit.MILLISECONDS);
            }
            for (ProvisionedNetwork n : networks) {
                assertFalse(hostSideExists(n.hostInterface()), n + " released");
            }
        } finally {
            pool.shutdownNow();
        }
    }

    private static int distinct(List<ProvisionedNetwork> networks,
            java.util.function.Function<ProvisionedNetwork, String> key) {
        Set<String> seen = new HashSet<>();
        networks.forEach(n -> seen.add(key.apply(n)));
        return seen.size();
    }

    @Test
    void devicesLeftByAMonitorKilledWithSigkillAreRemovedByTheNextOne() throws Exception {
        Path crashed = testDirectory.resolve("crashed");
        ProviderContext context = context(crashed);
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), ProvisionerCrashMain.class.getName(),
                createProvisioner().getClass().getName(), context.stateDirectory().toString(),
                context.workDirectory().toString(), unique("left"), "2"));
        settings().forEach((k, v) -> command.add(k + "=" + v));
        Process child = new ProcessBuilder(command).redirectErrorStream(true).start();
        List<String> hostInterfaces;
        StringBuilder said = new StringBuilder();
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
            String line;
            List<String> names = null;
            while ((line = out.readLine()) != null) {
                said.append(line).append('\n');
                if (line.startsWith(ProvisionerCrashMain.READY)) {
                    names = List.of(line.substring(ProvisionerCrashMain.READY.length()).trim().split(" "));
                    break;
                }
            }
            assertTrue(names != null && names.size() == 2, "the child provisioned two devices:\n" + said);
            hostInterfaces = names;
        } finally {
            child.destroyForcibly(); // SIGKILL: nothing is released
            child.waitFor(timeout().toMillis(), TimeUnit.MILLISECONDS);
        }
        for (String name : hostInterfaces) {
            assertTrue(hostSideExists(name), name + " left behind by the killed monitor");
        }

        NetworkProvisioner next = createProvisioner();
        next.initialize(context);
        try {
            int removed = next.removeLeftovers();
            assertEquals(2, removed, "both devices of the killed monitor removed");
            for (String name : hostInterfaces) {
                assertFalse(hostSideExists(name), name + " removed");
            }
            assertEquals(0, next.removeLeftovers(), "nothing left the second time");
        } finally {
            next.close();
        }
    }

    @Test
    void aLiveMonitorsDevicesAreNotLeftovers() throws Exception {
        ProvisionedNetwork mine = provision(unique("alive"), "service0");
        NetworkProvisioner other = createProvisioner();
        other.initialize(context(testDirectory.resolve("monitor")));
        try {
            other.removeLeftovers();
            assertTrue(hostSideExists(mine.hostInterface()), "a device of a running monitor on the same state directory stays");
        } finally {
            other.close();
        }
    }
}
