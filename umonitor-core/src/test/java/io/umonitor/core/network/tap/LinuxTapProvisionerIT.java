package io.umonitor.core.network.tap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.umonitor.api.ConfigurationException;
import io.umonitor.api.NetworkSpec;
import io.umonitor.api.ProvisionedNetwork;
import io.umonitor.api.ProvisioningException;
import io.umonitor.testkit.NetworkNamespaces;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Real tap devices, each test inside a network namespace of its own ({@code umt-tap-RANDOM}, deleted
 * afterwards together with every interface in it). Needs root (or CAP_NET_ADMIN and CAP_SYS_ADMIN),
 * /dev/net/tun and iproute2; skipped with the reason otherwise.
 */
class LinuxTapProvisionerIT {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path stateDirectory;

    private String namespace;
    private final List<LinuxTapProvisioner> provisioners = new ArrayList<>();

    @BeforeEach
    void createNamespace() throws Exception {
        HostProbe host = HostProbe.system();
        Assumptions.assumeTrue(host.ipExecutable().isPresent(),
                "iproute2's 'ip' is not installed: apt-get install iproute2");
        Assumptions.assumeTrue(host.tunDevicePresent(),
                "/dev/net/tun is missing: modprobe tun, or run the container with --device /dev/net/tun");
        Assumptions.assumeTrue(host.effectiveCapabilities().map(HostProbe::hasNetAdmin).orElse(false),
                "tap tests need root or CAP_NET_ADMIN (and CAP_SYS_ADMIN for network namespaces)");
        namespace = "umt-tap-" + Long.toString(ThreadLocalRandom.current().nextLong(1L << 40), 36);
        Optional<String> unusable = NetworkNamespaces.createEnterable(namespace);
        if (unusable.isPresent()) {
            namespace = null;
            Assumptions.assumeTrue(false, unusable.get());
        }
    }

    @AfterEach
    void deleteNamespace() throws Exception {
        try {
            for (LinuxTapProvisioner provisioner : provisioners) {
                provisioner.close();
            }
        } finally {
            if (namespace != null) {
                // Deleting the namespace deletes every interface the test created in it.
                run("ip", "netns", "del", namespace);
            }
        }
    }

    private LinuxTapProvisioner provisioner(LinuxTapProvisioner.Builder builder) {
        LinuxTapProvisioner provisioner = builder.namespace(namespace).build();
        provisioner.initialize(stateDirectory);
        provisioners.add(provisioner);
        return provisioner;
    }

    private LinuxTapProvisioner provisioner() {
        return provisioner(LinuxTapProvisioner.builder());
    }

    @Test
    void createsAnAddressedTapThatIsUpWithAStableMac() throws Exception {
        LinuxTapProvisioner provisioner = provisioner(LinuxTapProvisioner.builder().mtu(1400));

        ProvisionedNetwork network = provisioner.provision("web-1", NetworkSpec.tap("service0"));

        assertEquals("tap", network.provisionerId());
        assertEquals("service0", network.deviceName());
        assertEquals(namespace, network.namespace());
        assertTrue(network.hostInterface().startsWith("umt") && network.hostInterface().length() <= 15,
                network.hostInterface());
        assertEquals("10.77.0.1", network.hostAddress().getHostAddress());
        assertEquals("10.77.0.2/30", network.guestCidr());
        assertEquals(LinuxTapProvisioner.stableMac("web-1", "service0"), network.mac());

        JsonNode link = ipJson("-d", "addr", "show", "dev", network.hostInterface()).path(0);
        assertEquals("tun", link.path("linkinfo").path("info_kind").asText());
        assertEquals("tap", link.path("linkinfo").path("info_data").path("type").asText());
        assertTrue(link.path("flags").toString().contains("\"UP\""), link.toString());
        assertEquals(1400, link.path("mtu").asInt());
        assertEquals(List.of("10.77.0.1/30"), ipv4Addresses(link));

        provisioner.release(network);
        ProvisionedNetwork again = provisioner.provision("web-1", NetworkSpec.tap("service0"));
        assertEquals(network.mac(), again.mac(), "the MAC survives a restart of the unikernel");
        ProvisionedNetwork requested = provisioner.provision("web-1",
                new NetworkSpec("service1", NetworkSpec.Mode.TAP, "52:54:00:AB:CD:EF"));
        assertEquals("52:54:00:ab:cd:ef", requested.mac());
    }

    @Test
    void twentyConcurrentProvisionsFromEightThreadsGetDistinctNamesAndAddresses() throws Exception {
        LinuxTapProvisioner provisioner = provisioner();
        ExecutorService threads = Executors.newFixedThreadPool(8);
        List<ProvisionedNetwork> networks = new ArrayList<>();
        try {
            List<Future<ProvisionedNetwork>> futures = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                String unikernel = "uk-" + i;
                futures.add(threads.submit(() -> provisioner.provision(unikernel, NetworkSpec.tap("service0"))));
            }
            for (Future<ProvisionedNetwork> future : futures) {
                networks.add(future.get(60, TimeUnit.SECONDS));
            }
        } finally {
            threads.shutdownNow();
        }

        Set<String> names = new HashSet<>();
        Set<String> addresses = new HashSet<>();
        Set<String> macs = new HashSet<>();
        for (ProvisionedNetwork network : networks) {
            names.add(network.hostInterface());
            addresses.add(network.hostAddress().getHostAddress());
            addresses.add(network.guestAddress().getHostAddress());
            macs.add(network.mac());
        }
        assertEquals(20, names.size(), "distinct interface names: " + names);
        assertEquals(40, addresses.size(), "distinct host and guest addresses: " + addresses);
        assertEquals(20, macs.size());
        Set<String> inNamespace = new HashSet<>();
        for (JsonNode link : ipJson("addr", "show")) {
            for (String cidr : ipv4Addresses(link)) {
                inNamespace.add(link.path("ifname").asText() + " " + cidr);
            }
        }
        for (ProvisionedNetwork network : networks) {
            assertTrue(inNamespace.contains(network.hostInterface() + " " + network.hostAddress().getHostAddress()
                    + "/30"), network + " not found in " + inNamespace);
        }

        for (ProvisionedNetwork network : networks) {
            provisioner.release(network);
        }
        assertEquals(List.of("lo"), interfaceNames());
        assertEquals(0, stateRecords());
    }

    @Test
    void monitorsWithDifferentStateDirectoriesProvisioningAtOnceNeverShareAnAddress(@TempDir Path otherState)
            throws Exception {
        LinuxTapProvisioner first = provisioner();
        LinuxTapProvisioner second = LinuxTapProvisioner.builder().namespace(namespace).build();
        second.initialize(otherState);
        provisioners.add(second);
        ExecutorService threads = Executors.newFixedThreadPool(8);
        Set<String> guestAddresses = new HashSet<>();
        try {
            List<Future<ProvisionedNetwork>> futures = new ArrayList<>();
            for (int i = 0; i < 16; i++) {
                LinuxTapProvisioner provisioner = i % 2 == 0 ? first : second;
                String unikernel = "uk-" + i;
                futures.add(threads.submit(() -> provisioner.provision(unikernel, NetworkSpec.tap("service0"))));
            }
            for (Future<ProvisionedNetwork> future : futures) {
                guestAddresses.add(future.get(60, TimeUnit.SECONDS).guestAddress().getHostAddress());
            }
        } finally {
            threads.shutdownNow();
        }
        assertEquals(16, guestAddresses.size(), guestAddresses.toString());
    }

    @Test
    void releaseRemovesTheTapFreesItsAddressAndIsIdempotent() throws Exception {
        LinuxTapProvisioner provisioner = provisioner();
        ProvisionedNetwork network = provisioner.provision("web-1", NetworkSpec.tap("service0"));
        assertEquals(1, stateRecords());

        provisioner.release(network);
        provisioner.release(network);

        assertFalse(interfaceNames().contains(network.hostInterface()));
        assertEquals(0, stateRecords());
        ProvisionedNetwork next = provisioner.provision("web-2", NetworkSpec.tap("service0"));
        assertEquals(network.guestAddress(), next.guestAddress(), "the released /30 is free again");
        provisioner.release(network);
        assertTrue(interfaceNames().contains(next.hostInterface()),
                "releasing a stale network again must not touch the device that now has its addresses");
    }

    @Test
    void skipsAddressesAlreadyInUseInTheNamespace() throws Exception {
        run("ip", "-n", namespace, "link", "add", "other0", "type", "bridge");
        run("ip", "-n", namespace, "addr", "add", "10.77.0.2/32", "dev", "other0");
        LinuxTapProvisioner provisioner = provisioner();

        ProvisionedNetwork network = provisioner.provision("web-1", NetworkSpec.tap("service0"));

        assertEquals("10.77.0.5", network.hostAddress().getHostAddress());
        assertEquals("10.77.0.6", network.guestAddress().getHostAddress());
    }

    @Test
    void anExhaustedPoolFailsNamingTheSettingToEnlarge() {
        LinuxTapProvisioner provisioner = provisioner(LinuxTapProvisioner.builder().pool("10.77.0.0/29"));
        provisioner.provision("a", NetworkSpec.tap("service0"));
        provisioner.provision("b", NetworkSpec.tap("service0"));

        ProvisioningException e = assertThrows(ProvisioningException.class,
                () -> provisioner.provision("c", NetworkSpec.tap("service0")));

        assertTrue(e.getMessage().contains("tap.pool 10.77.0.0/29 is exhausted")
                && e.getMessage().contains("enlarge tap.pool"), e.getMessage());
    }

    @Test
    void attachesTapsToABridgeAndHandsOutAddressesOfItsSubnet() throws Exception {
        run("ip", "-n", namespace, "link", "add", "umtbr0", "type", "bridge");
        run("ip", "-n", namespace, "addr", "add", "10.88.0.1/24", "dev", "umtbr0");
        run("ip", "-n", namespace, "link", "set", "umtbr0", "up");
        LinuxTapProvisioner provisioner = provisioner(LinuxTapProvisioner.builder().bridge("umtbr0"));

        ProvisionedNetwork first = provisioner.provision("web-1", NetworkSpec.tap("service0"));
        ProvisionedNetwork second = provisioner.provision("web-2", NetworkSpec.tap("service0"));

        assertEquals("10.88.0.1", first.hostAddress().getHostAddress());
        assertEquals("10.88.0.2/24", first.guestCidr());
        assertEquals("10.88.0.3/24", second.guestCidr());
        for (ProvisionedNetwork network : List.of(first, second)) {
            JsonNode link = ipJson("addr", "show", "dev", network.hostInterface()).path(0);
            assertEquals("umtbr0", link.path("master").asText(), link.toString());
            assertEquals(List.of(), ipv4Addresses(link), "a bridge port carries no address");
        }
    }

    @Test
    void aBridgeThatDoesNotExistIsReportedWithTheCommandsToCreateIt() {
        LinuxTapProvisioner provisioner = LinuxTapProvisioner.builder().namespace(namespace).bridge("nobr0").build();

        ConfigurationException e = assertThrows(ConfigurationException.class,
                () -> provisioner.initialize(stateDirectory));

        assertTrue(e.getMessage().contains("tap.bridge 'nobr0' does not exist")
                && e.getMessage().contains("link add nobr0 type bridge"), e.getMessage());
    }

    @Test
    void removesTheTapsOfAMonitorKilledWithSigkillButNotThoseOfLiveMonitors() throws Exception {
        LinuxTapProvisioner live = provisioner();
        ProvisionedNetwork liveNetwork = live.provision("alive", NetworkSpec.tap("service0"));
        StandInMonitor killed = StandInMonitor.start(stateDirectory, namespace, "killed", 2);
        StandInMonitor running = StandInMonitor.start(stateDirectory, namespace, "running", 1);
        try {
            List<String> killedTaps = killed.awaitProvisioned();
            List<String> runningTaps = running.awaitProvisioned();
            killed.process.destroyForcibly();
            assertTrue(killed.process.waitFor(30, TimeUnit.SECONDS), "the stand-in monitor did not die on SIGKILL");
            assertEquals(137, killed.process.exitValue(), "killed by SIGKILL");
            assertTrue(interfaceNames().containsAll(killedTaps), "the killed monitor left its taps behind");
            assertEquals(4, stateRecords());

            LinuxTapProvisioner restarted = provisioner();
            assertEquals(2, restarted.removeLeftovers());

            List<String> remaining = interfaceNames();
            assertTrue(killedTaps.stream().noneMatch(remaining::contains), "leftovers still there: " + remaining);
            assertTrue(remaining.contains(liveNetwork.hostInterface()), "the tap of a live instance in this JVM was removed");
            assertTrue(remaining.containsAll(runningTaps), "the tap of a live monitor process was removed");
            assertEquals(2, stateRecords());
            assertEquals(0, restarted.removeLeftovers(), "nothing left to remove the second time");

            // A monitor that ends without releasing (here: its stdin closes) leaves leftovers too.
            running.process.getOutputStream().close();
            assertTrue(running.process.waitFor(30, TimeUnit.SECONDS), "the stand-in monitor did not exit on EOF");
            assertEquals(1, restarted.removeLeftovers());
            assertFalse(interfaceNames().containsAll(runningTaps));

            live.close();
            assertFalse(interfaceNames().contains(liveNetwork.hostInterface()), "close() releases what it holds");
            assertEquals(0, stateRecords());
        } finally {
            killed.process.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
            running.process.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
        }
    }

    /** A {@link CrashingMonitorMain} in a JVM of its own. */
    private record StandInMonitor(Process process, BufferedReader stdout, Path stderr) {
        static StandInMonitor start(Path stateDirectory, String namespace, String name, int devices)
                throws IOException {
            String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
            Path stderr = stateDirectory.resolve(name + "-stderr.txt");
            Process process = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
                    CrashingMonitorMain.class.getName(), stateDirectory.toString(), namespace, name,
                    String.valueOf(devices))
                    .redirectError(stderr.toFile())
                    .start();
            return new StandInMonitor(process, new BufferedReader(new InputStreamReader(process.getInputStream(),
                    StandardCharsets.UTF_8)), stderr);
        }

        List<String> awaitProvisioned() throws Exception {
            String line = CompletableFuture.supplyAsync(() -> {
                try {
                    return stdout.readLine();
                } catch (IOException e) {
                    throw new IllegalStateException(e);
                }
            }).get(60, TimeUnit.SECONDS);
            assertTrue(line != null && line.startsWith("PROVISIONED "),
                    "stand-in monitor said " + line + "; its stderr: " + Files.readString(stderr));
            return List.of(line.substring("PROVISIONED ".length()).split(" "));
        }
    }

    @Test
    void leftoverRecordsWhoseInterfaceOrNamespaceIsGoneAreDroppedAndOnlyRecordedTapsAreDeleted() throws Exception {
        Process finished = new ProcessBuilder("true").start();
        assertTrue(finished.waitFor(30, TimeUnit.SECONDS));
        long deadPid = finished.pid();
        run("ip", "-n", namespace, "tuntap", "add", "umtdead", "mode", "tap");
        run("ip", "-n", namespace, "link", "add", "umtnotap", "type", "bridge");
        run("ip", "-n", namespace, "tuntap", "add", "umtunrec", "mode", "tap");
        DeviceStateStore store = new DeviceStateStore(stateDirectory);
        // Crashed between recording and creating (index -1): the tap exists and is deleted.
        store.write(deadRecord("umtdead", namespace, deadPid));
        // The namespace is gone, and with it the interface.
        store.write(deadRecord("umtgone", namespace + "-gone", deadPid));
        // Never created.
        store.write(deadRecord("umtnever", namespace, deadPid));
        // The name now belongs to an interface that is not a tap: not ours.
        store.write(deadRecord("umtnotap", namespace, deadPid));

        assertEquals(1, provisioner().removeLeftovers());

        List<String> remaining = interfaceNames();
        assertFalse(remaining.contains("umtdead"));
        assertTrue(remaining.contains("umtnotap"), "an interface that is not a tap must survive");
        assertTrue(remaining.contains("umtunrec"), "an unrecorded tap with our prefix must survive");
        assertEquals(0, stateRecords());
    }

    private static DeviceRecord deadRecord(String name, String namespace, long pid) {
        return new DeviceRecord(name, namespace, null, "crashed", "service0", "02:00:00:00:00:01",
                "10.77.0.1", "10.77.0.2", 30, pid, 0, "gone", -1, "2026-01-01T00:00:00Z");
    }

    @Test
    void aPoolInsideANetworkTheHostAlreadyUsesIsRejected() throws Exception {
        run("ip", "-n", namespace, "link", "add", "lan0", "type", "bridge");
        run("ip", "-n", namespace, "addr", "add", "10.0.0.1/8", "dev", "lan0");
        LinuxTapProvisioner provisioner = LinuxTapProvisioner.builder().namespace(namespace).build();

        ConfigurationException e = assertThrows(ConfigurationException.class,
                () -> provisioner.initialize(stateDirectory));

        assertTrue(e.getMessage().contains("tap.pool 10.77.0.0/16 lies inside 10.0.0.1/8 of interface lan0"),
                e.getMessage());
    }

    @Test
    void aRecordedNameNowUsedByAnotherInterfaceIsNotDeleted() throws Exception {
        LinuxTapProvisioner provisioner = provisioner();
        ProvisionedNetwork network = provisioner.provision("web-1", NetworkSpec.tap("service0"));
        // Someone else deletes our tap and reuses its name for an interface of their own.
        run("ip", "-n", namespace, "link", "del", network.hostInterface());
        run("ip", "-n", namespace, "link", "add", network.hostInterface(), "type", "bridge");

        provisioner.release(network);

        assertTrue(interfaceNames().contains(network.hostInterface()), "the stranger's interface must survive");
        assertEquals(0, stateRecords());
    }

    @Test
    void provisioningWithoutCapNetAdmin_simulatedBySetprivDroppingIt_failsNamingTheFix() throws Exception {
        Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/bin/setpriv")),
                "setpriv (util-linux) is needed to drop CAP_NET_ADMIN for this test");
        LinuxTapProvisioner provisioner = provisioner(LinuxTapProvisioner.builder().commandPrefix(
                List.of("/usr/bin/setpriv", "--inh-caps=-net_admin", "--bounding-set=-net_admin")));

        ProvisioningException e = assertThrows(ProvisioningException.class,
                () -> provisioner.provision("web-1", NetworkSpec.tap("service0")));

        assertTrue(e.getMessage().contains("tuntap add")
                && e.getMessage().contains("Operation not permitted")
                && e.getMessage().contains("CAP_NET_ADMIN")
                && e.getMessage().contains("run the monitor as root"), e.getMessage());
        assertEquals(0, stateRecords(), "a failed provision leaves no record");
        assertEquals(List.of("lo"), interfaceNames());
    }

    @Test
    void provisioningWithoutDevNetTun_simulatedByHidingItInAMountNamespace_failsNamingModprobeTun() throws Exception {
        Assumptions.assumeTrue(commandExists("unshare"), "unshare (util-linux) is needed to hide /dev/net/tun");
        LinuxTapProvisioner provisioner = provisioner(LinuxTapProvisioner.builder().commandPrefix(
                List.of("unshare", "-m", "sh", "-c", "mount -t tmpfs none /dev/net && exec \"$0\" \"$@\"")));

        ProvisioningException e = assertThrows(ProvisioningException.class,
                () -> provisioner.provision("web-1", NetworkSpec.tap("service0")));

        assertTrue(e.getMessage().contains("tuntap add") && e.getMessage().contains("modprobe tun"), e.getMessage());
        assertEquals(0, stateRecords(), "a failed provision leaves no record");
    }

    @Test
    void aNamespaceThatDoesNotExistIsReportedWithTheCommandToCreateIt() {
        LinuxTapProvisioner provisioner = LinuxTapProvisioner.builder().namespace(namespace + "-missing").build();

        ConfigurationException e = assertThrows(ConfigurationException.class,
                () -> provisioner.initialize(stateDirectory));

        assertTrue(e.getMessage().contains("ip netns add " + namespace + "-missing"), e.getMessage());
    }

    @Test
    void aUdpDatagramFromTheGuestSideReachesAHostSocketAndTheReplyLeavesThroughTheTap() throws Exception {
        Assumptions.assumeTrue(commandExists("python3"),
                "python3 plays the guest here (it opens the tap and writes a raw frame): apt-get install python3");
        LinuxTapProvisioner provisioner = provisioner();
        ProvisionedNetwork network = provisioner.provision("web-1", NetworkSpec.tap("service0"));

        String output = run("ip", "netns", "exec", namespace, "python3", "-c", GUEST_SCRIPT,
                network.hostInterface(), network.hostAddress().getHostAddress(),
                network.guestAddress().getHostAddress(), network.mac());

        assertTrue(output.contains("HOST-RECEIVED ping-from-guest FROM " + network.guestAddress().getHostAddress()),
                output);
        assertTrue(output.contains("TAP-SENT"), "the host's reply must leave through the tap: " + output);
    }

    /**
     * Plays the guest: attaches to the tap like a tender does, writes an Ethernet/IPv4/UDP frame from the
     * guest address to a UDP socket bound on the host address, then waits for the reply (or the ARP
     * request for the guest that precedes it) to come out of the tap.
     */
    private static final String GUEST_SCRIPT = String.join("\n",
            "import fcntl, os, select, socket, struct, sys, time",
            "name, host, guest, guest_mac = sys.argv[1:5]",
            "sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)",
            "sock.bind((host, 0))",
            "port = sock.getsockname()[1]",
            "tap = os.open('/dev/net/tun', os.O_RDWR)",
            "fcntl.ioctl(tap, 0x400454ca, struct.pack('16sH', name.encode(), 0x0002 | 0x1000))",
            "host_mac = bytes.fromhex(open('/sys/class/net/%s/address' % name).read().strip().replace(':', ''))",
            "def checksum(b):",
            "    s = sum(struct.unpack('!%dH' % (len(b) // 2), b))",
            "    while s >> 16: s = (s & 0xffff) + (s >> 16)",
            "    return (~s) & 0xffff",
            "payload = b'ping-from-guest'",
            "udp = struct.pack('!HHHH', 40000, port, 8 + len(payload), 0) + payload",
            "ip = struct.pack('!BBHHHBBH4s4s', 0x45, 0, 20 + len(udp), 1, 0x4000, 64, 17, 0,",
            "                 socket.inet_aton(guest), socket.inet_aton(host))",
            "ip = ip[:10] + struct.pack('!H', checksum(ip)) + ip[12:]",
            "os.write(tap, host_mac + bytes.fromhex(guest_mac.replace(':', '')) + b'\\x08\\x00' + ip + udp)",
            "sock.settimeout(10)",
            "data, addr = sock.recvfrom(2048)",
            "print('HOST-RECEIVED', data.decode(), 'FROM', addr[0], flush=True)",
            "sock.sendto(b'pong-from-host', (guest, 40000))",
            "deadline = time.time() + 10",
            "while time.time() < deadline:",
            "    ready, _, _ = select.select([tap], [], [], max(0, deadline - time.time()))",
            "    if not ready: break",
            "    frame = os.read(tap, 65536)",
            "    if frame[12:14] == b'\\x08\\x06' and frame[38:42] == socket.inet_aton(guest):",
            "        print('TAP-SENT arp-who-has', guest, flush=True); break",
            "    if frame[12:14] == b'\\x08\\x00' and frame[30:34] == socket.inet_aton(guest):",
            "        print('TAP-SENT ipv4-to', guest, flush=True); break");

    private List<String> interfaceNames() throws Exception {
        List<String> names = new ArrayList<>();
        for (JsonNode link : ipJson("link", "show")) {
            names.add(link.path("ifname").asText());
        }
        return names;
    }

    private long stateRecords() throws IOException {
        try (Stream<Path> files = Files.list(stateDirectory.resolve("tap-devices"))) {
            return files.filter(p -> p.toString().endsWith(".json")).count();
        }
    }

    private static List<String> ipv4Addresses(JsonNode link) {
        List<String> addresses = new ArrayList<>();
        for (JsonNode info : link.path("addr_info")) {
            if ("inet".equals(info.path("family").asText())) {
                addresses.add(info.path("local").asText() + "/" + info.path("prefixlen").asInt());
            }
        }
        return addresses;
    }

    private JsonNode ipJson(String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of("ip", "-j", "-n", namespace));
        command.addAll(List.of(args));
        return JSON.readTree(run(command.toArray(String[]::new)));
    }

    private static boolean commandExists(String name) throws Exception {
        Process p = new ProcessBuilder("sh", "-c", "command -v " + name).redirectErrorStream(true).start();
        p.getInputStream().readAllBytes();
        return p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0;
    }

    private static String run(String... command) throws Exception {
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        builder.environment().putAll(Map.of("LC_ALL", "C"));
        Process process = builder.start();
        CompletableFuture<byte[]> output = CompletableFuture.supplyAsync(() -> {
            try {
                return process.getInputStream().readAllBytes();
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        });
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError(String.join(" ", command) + " did not finish within 30 s");
        }
        String text = new String(output.get(10, TimeUnit.SECONDS), StandardCharsets.UTF_8);
        assertEquals(0, process.exitValue(), String.join(" ", command) + " failed: " + text);
        return text;
    }
}
