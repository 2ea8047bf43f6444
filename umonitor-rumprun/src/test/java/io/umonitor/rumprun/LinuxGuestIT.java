package io.umonitor.rumprun;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.umonitor.api.ExitClassification;
import io.umonitor.api.ExitInfo;
import io.umonitor.api.NetworkSpec;
import io.umonitor.api.UnikernelSpec;
import io.umonitor.api.CollectorEndpoint;
import io.umonitor.api.spi.GuestOutput;
import io.umonitor.api.spi.LaunchRequest;
import io.umonitor.api.spi.LaunchedUnikernel;
import io.umonitor.api.spi.ProviderContext;
import io.umonitor.api.ProvisionedNetwork;
import io.umonitor.core.network.tap.LinuxTapProvisioner;
import io.umonitor.kit.host.Executables;
import io.umonitor.protocol.ConsoleDecoder;
import io.umonitor.protocol.Frame;
import io.umonitor.protocol.Goodbye;
import io.umonitor.protocol.Hello;
import io.umonitor.protocol.RecordFrame;
import io.umonitor.testkit.Await;
import io.umonitor.testkit.RecordingGuestOutput;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The stand-in Linux guest (src/test/guest/linux: Debian's cloud kernel plus a static /init that reads
 * rumprun's JSON configuration) under real QEMU with TCG, through the backend, on user-mode networking
 * and on a real tap inside a network namespace this test creates. Records arrive over UDP, TCP and the
 * console encoding, attributed to the guest by name and token; the exit code comes from rumprun's
 * markers and QEMU is stopped after {@code halted}.
 */
class LinuxGuestIT {

    private static final String TOKEN = "fedcba9876543210fedcba9876543210";
    private static final int RECORDS = 4;
    private static GuestBuilds.LinuxGuest guest;

    @TempDir
    Path runDirectory;

    @BeforeAll
    static void build() throws Exception {
        GuestBuilds.assumeQemu();
        guest = GuestBuilds.linuxGuest();
    }

    private static UnikernelSpec spec(String name, NetworkSpec network) {
        return UnikernelSpec.builder(name, guest.kernel()).memoryMb(256).network(network)
                .arguments(List.of("--records", Integer.toString(RECORDS), "--exit", "3"))
                .option("qemu.accel", "tcg").option("qemu.flavour", "rumprun")
                .option("qemu.initrd", guest.initrd().toString()).build();
    }

    @Test
    void userModeNetworkingDeliversToLoopbackCollectors() throws Exception {
        RecordingGuestOutput output = new RecordingGuestOutput();
        try (TestCollector collector = new TestCollector(InetAddress.getLoopbackAddress(), r -> { })) {
            UnikernelSpec spec = spec("linux-user", NetworkSpec.user("net0"));
            long started = System.nanoTime();
            LaunchedUnikernel vm = new QemuBackend().launch(new LaunchRequest(spec, TOKEN, List.of(),
                    collector.endpoints(null), output, runDirectory));
            ExitInfo exit = vm.exit().get(120, TimeUnit.SECONDS);
            System.out.printf("linux guest (user net): launch to running %d ms, to exit %d ms%n",
                    output.runningAfterMillis(), TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started));

            assertExit(exit, output);
            assertTrue(output.lines(GuestOutput.Stream.SERIAL).contains("standin: network up: eth0 10.0.2.15/24 via 10.0.2.2"), output.all());
            Await.within(Duration.ofSeconds(10), () -> delivered(collector.received, "linux-user"));
            assertDelivered(collector.received.stream().map(r -> new Seen(r.transport(), r.name(), r.token(),
                    describe(r.frame()))).toList(), "linux-user");
            assertTrue(collector.errors.isEmpty(), collector.errors.toString());
            assertConsoleRecords(output);
        }
    }

    @Test
    void tapInsideATestNamespaceDeliversToACollectorOnTheTapAddress() throws Exception {
        assumeTrue(Executables.find("ip").isPresent(), "the ip command is needed: apt-get install iproute2");
        String namespace = "umt-qemu-" + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt()).substring(0, 6);
        try {
            Process add = new ProcessBuilder("ip", "netns", "add", namespace).redirectErrorStream(true).start();
            String why = new String(add.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assumeTrue(add.waitFor() == 0, "cannot create a network namespace (needs root or CAP_SYS_ADMIN): " + why);
            // Inside a chroot (a debootstrap "fresh machine") a namespace can be made but not entered.
            Process enter = new ProcessBuilder("ip", "-n", namespace, "link", "set", "lo", "up").redirectErrorStream(true).start();
            String enterWhy = new String(enter.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            assumeTrue(enter.waitFor() == 0, "network namespaces cannot be entered here (" + enterWhy
                    + "): run the tests on a real host or VM, not in a chroot");
            runInNamespace(namespace);
        } finally {
            new ProcessBuilder("ip", "netns", "del", namespace).redirectErrorStream(true).start().waitFor();
        }
    }

    private void runInNamespace(String namespace) throws Exception {
        Path state = runDirectory.resolve("tap-state");
        java.nio.file.Files.createDirectories(state);
        try (LinuxTapProvisioner taps = new LinuxTapProvisioner()) {
            taps.initialize(new ProviderContext(Map.of("namespace", namespace, "pool", "10.213.7.0/24", "prefix", "umq"),
                    state, state));
            UnikernelSpec spec = spec("linux-tap", NetworkSpec.tap("net0"));
            ProvisionedNetwork tap = taps.provision(spec.name(), spec.networks().get(0));
            try {
                runWithTap(namespace, spec, tap);
            } finally {
                taps.release(tap);
            }
        }
    }

    /** This JVM cannot enter the namespace: the collector runs there as a child JVM and reports what it got. */
    private void runWithTap(String namespace, UnikernelSpec spec, ProvisionedNetwork tap) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process receiver = new ProcessBuilder("ip", "netns", "exec", namespace, java, "-cp",
                System.getProperty("java.class.path"), TestCollector.class.getName(), tap.hostAddress().getHostAddress())
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        List<Seen> seen = new CopyOnWriteArrayList<>();
        try {
            BufferedReader lines = new BufferedReader(new InputStreamReader(receiver.getInputStream(), StandardCharsets.UTF_8));
            String ports = lines.readLine();
            assertTrue(ports != null && ports.startsWith("PORTS "), "the receiver in the namespace started: " + ports);
            String[] p = ports.split(" ");
            Thread reader = new Thread(() -> {
                try {
                    String line;
                    while ((line = lines.readLine()) != null) {
                        String[] f = line.split("\t", -1);
                        seen.add(new Seen(f[1], f[2], f[3], String.join("\t", List.of(f).subList(4, f.length))));
                    }
                } catch (java.io.IOException e) {
                    // the receiver ended
                }
            }, "namespace-receiver-output");
            reader.setDaemon(true);
            reader.start();

            InetAddress host = tap.hostAddress();
            List<CollectorEndpoint> collectors = List.of(
                    new CollectorEndpoint(CollectorEndpoint.Transport.UDP, new InetSocketAddress(host, Integer.parseInt(p[1])),
                            spec.networks().get(0).name()),
                    new CollectorEndpoint(CollectorEndpoint.Transport.TCP, new InetSocketAddress(host, Integer.parseInt(p[2])),
                            spec.networks().get(0).name()));
            RecordingGuestOutput output = new RecordingGuestOutput();
            long started = System.nanoTime();
            LaunchedUnikernel vm = new QemuBackend().launch(new LaunchRequest(spec, TOKEN, List.of(tap), collectors, output,
                    runDirectory));
            assertTrue(vm.details().get("command").startsWith("ip netns exec " + namespace + " "), vm.details().toString());
            ExitInfo exit = vm.exit().get(120, TimeUnit.SECONDS);
            System.out.printf("linux guest (tap in %s): launch to running %d ms, to exit %d ms%n", namespace,
                    output.runningAfterMillis(), TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started));

            assertExit(exit, output);
            assertTrue(output.lines(GuestOutput.Stream.SERIAL).contains("standin: network up: eth0 " + tap.guestAddress().getHostAddress() + "/"
                    + tap.prefixLength() + " via " + host.getHostAddress()), output.all());
            Await.within(Duration.ofSeconds(10), () -> deliveredSeen(seen, "linux-tap"));
            assertDelivered(seen, "linux-tap");
            assertConsoleRecords(output);
        } finally {
            receiver.getOutputStream().close();
            if (!receiver.waitFor(5, TimeUnit.SECONDS)) {
                receiver.destroyForcibly();
            }
        }
    }

    /**
     * {@code qemu.accel=auto} must end up with a guest that runs, whatever this host's KVM is: absent
     * (TCG straight away), hardware (KVM), or a software hypervisor such as kvm_pvm on which Linux
     * guests never get going (detected, then TCG with a WARN note).
     */
    @Test
    void autoAccelerationFallsBackToTcgWhenKvmCannotRunTheGuest() throws Exception {
        RecordingGuestOutput output = new RecordingGuestOutput();
        UnikernelSpec spec = UnikernelSpec.builder("linux-auto", guest.kernel()).memoryMb(256)
                .arguments(List.of("--records", "1", "--exit", "0"))
                .option("qemu.accel", "auto").option("qemu.kvmWatchdog", "5").option("qemu.flavour", "rumprun")
                .option("qemu.initrd", guest.initrd().toString()).build();
        long started = System.nanoTime();
        LaunchedUnikernel vm = new QemuBackend().launch(new LaunchRequest(spec, TOKEN, List.of(), List.of(), output,
                runDirectory));
        ExitInfo exit = vm.exit().get(120, TimeUnit.SECONDS);
        String accel = vm.details().get("accel");
        System.out.printf("linux guest (auto): ran with %s after %d ms; notes %s%n", accel,
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started), output.notes());

        assertEquals(ExitClassification.NORMAL, exit.classification(), output.all() + "\n" + output.notes());
        assertEquals(0, exit.exitCode());
        boolean kvmUsable = io.umonitor.kit.host.HostChecks.kvmProblem().isEmpty();
        if (!kvmUsable) {
            assertEquals("tcg", accel);
            assertTrue(output.notes().stream().anyMatch(n -> n.startsWith("INFO using TCG")), output.notes().toString());
        } else if (accel.equals("tcg")) {
            assertTrue(output.notes().stream().anyMatch(n -> n.startsWith("WARN KVM") && n.contains("with TCG")),
                    "a fallback is announced: " + output.notes());
        }
    }

    /** One frame as a receiver saw it: transport, HELLO name and token, and what it was. */
    record Seen(String transport, String name, String token, String what) {
    }

    private static String describe(Frame f) {
        return new TestCollector.Received("", "", "", f).line().split("\t", 5)[4];
    }

    private static boolean delivered(List<TestCollector.Received> received, String name) {
        return deliveredSeen(received.stream().map(r -> new Seen(r.transport(), r.name(), r.token(), describe(r.frame())))
                .toList(), name);
    }

    private static boolean deliveredSeen(List<Seen> seen, String name) {
        return seen.stream().filter(s -> s.what().startsWith("GOODBYE") && s.name().equals(name)).count() == 2;
    }

    /** Every record of both transports arrived, under the guest's name and token, and nothing else. */
    private static void assertDelivered(List<Seen> seen, String name) {
        for (String transport : List.of("udp", "tcp")) {
            List<String> records = new ArrayList<>();
            for (Seen s : seen) {
                if (s.transport().equals(transport) && s.what().startsWith("RECORD")) {
                    assertEquals(name, s.name(), "attributed to the guest: " + s);
                    assertEquals(TOKEN, s.token(), "with its token: " + s);
                    records.add(s.what().split("\t")[3]);
                }
            }
            List<String> expected = new ArrayList<>();
            for (int i = 0; i < RECORDS; i++) {
                expected.add(transport + " record " + i + " of " + RECORDS);
            }
            assertEquals(expected, records.stream().sorted().toList(), transport + ": " + seen);
        }
    }

    private static void assertConsoleRecords(RecordingGuestOutput output) {
        ConsoleDecoder decoder = new ConsoleDecoder();
        List<Frame> frames = new ArrayList<>();
        output.lines(GuestOutput.Stream.SERIAL).forEach(l -> decoder.decodeLine(l).ifPresent(frames::add));
        assertTrue(frames.get(0) instanceof Hello, output.all());
        List<String> messages = frames.stream().filter(f -> f instanceof RecordFrame).map(f -> ((RecordFrame) f).message())
                .toList();
        assertEquals(RECORDS, messages.size(), output.all());
        assertTrue(frames.get(frames.size() - 1) instanceof Goodbye, output.all());
    }

    private static void assertExit(ExitInfo exit, RecordingGuestOutput output) {
        assertEquals(3, exit.exitCode(), output.all());
        assertEquals(ExitClassification.FAILURE, exit.classification(), output.all());
        assertTrue(exit.description().contains("halted"), exit.description());
        assertEquals(1, output.runningCalls(), "running reported once at rumprun's main() marker");
    }
}
