package io.umonitor.solo5;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.umonitor.api.ExitClassification;
import io.umonitor.api.ExitInfo;
import io.umonitor.api.NetworkSpec;
import io.umonitor.api.UnikernelSpec;
import io.umonitor.api.spi.GuestOutput;
import io.umonitor.api.spi.LaunchRequest;
import io.umonitor.api.spi.LaunchedUnikernel;
import io.umonitor.api.spi.NetworkProvisioner;
import io.umonitor.api.spi.ProviderContext;
import io.umonitor.api.ProvisionedNetwork;
import io.umonitor.kit.process.ToolRunner;
import io.umonitor.testkit.Await;
import io.umonitor.testkit.RecordingGuestOutput;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.ServiceLoader;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Solo5's test_net (answers ARP and ping at the fixed address 10.0.0.2 on service0) on a tap the tap
 * provisioner creates inside a network namespace this test creates and deletes. spt first; hvt too,
 * since test_net uses no FPU.
 */
class Solo5NetworkIT {

    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    @TempDir
    Path dir;

    private final Solo5Backend backend = new Solo5Backend();

    private static NetworkProvisioner tapProvisioner() {
        Optional<NetworkProvisioner> tap = ServiceLoader.load(NetworkProvisioner.class).stream()
                .map(ServiceLoader.Provider::get).filter(p -> p.id().equals("tap")).findFirst();
        assumeTrue(tap.isPresent(), "the tap NetworkProvisioner (umonitor-core) is not on the classpath");
        return tap.get();
    }

    /** test_net's fixed guest address 10.0.0.2 is the second address of the /30 pool 10.0.0.0/30. */
    private NetworkProvisioner provisioner(TestNamespace ns) throws Exception {
        NetworkProvisioner tap = tapProvisioner();
        assumeTrue(tap.availability().isUsable(), tap.availability().reason());
        Path state = Files.createDirectories(dir.resolve("state"));
        tap.initialize(new ProviderContext(Map.of("pool", "10.0.0.0/30", "namespace", ns.name, "prefix", "us5"),
                state, dir));
        return tap;
    }

    private LaunchedUnikernel launch(Path kernel, String name, ProvisionedNetwork net, RecordingGuestOutput output,
            String... arguments) {
        UnikernelSpec spec = UnikernelSpec.builder(name, kernel).network(NetworkSpec.tap("service0"))
                .arguments(List.of(arguments)).memoryMb(16).build();
        return backend.launch(new LaunchRequest(spec, "t", List.of(net), List.of(), output, dir));
    }

    @Test
    void pingOnSpt() throws Exception {
        pingServe(Tender.SPT);
    }

    @Test
    void pingOnHvt() throws Exception {
        pingServe(Tender.HVT);
    }

    private void pingServe(Tender tender) throws Exception {
        Path kernel = Solo5TestKernels.requireKernel("test_net", tender);
        try (TestNamespace ns = TestNamespace.create()) {
            NetworkProvisioner tap = provisioner(ns);
            ProvisionedNetwork net = tap.provision("ping-" + tender.target(), NetworkSpec.tap("service0"));
            try {
                RecordingGuestOutput output = new RecordingGuestOutput();
                LaunchedUnikernel u = launch(kernel, "ping-" + tender.target(), net, output);
                assertTrue(Await.within(TIMEOUT, () -> output.hasLineContaining("Serving ping on 10.0.0.2")), output.all());
                assertTrue(output.lines(GuestOutput.Stream.STDOUT).stream().anyMatch(l -> l.contains("with MAC: "
                        + net.mac().replace(":", "").toLowerCase(java.util.Locale.ROOT))), output.lines(GuestOutput.Stream.STDOUT).toString());
                ToolRunner.Result ping = ns.exec(TIMEOUT, "ping", "-c", "3", "-i", "0.2", "-W", "2", "10.0.0.2");
                System.out.println("[ping-" + tender.target() + "] " + ping.stdout());
                assertEquals(0, ping.exitCode(), ping.output());
                Map<String, String> details = u.details();
                System.out.println("[ping-" + tender.target() + "] details " + details);
                assertTrue(Long.parseLong(details.get("net.service0.guest-tx-bytes")) > 0, details.toString());
                assertTrue(Long.parseLong(details.get("rss-kb")) > 0, details.toString());
                assertEquals(ns.name, details.get("namespace"));

                // a second tender cannot take a tap in use
                RecordingGuestOutput second = new RecordingGuestOutput();
                ExitInfo busy = launch(kernel, "busy-" + tender.target(), net, second).exit()
                        .get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
                System.out.println("[busy-" + tender.target() + "] " + busy);
                assertEquals(ExitClassification.LAUNCHER_ERROR, busy.classification());
                assertTrue(busy.description().contains("Device or resource busy"), busy.description());

                u.stop(Duration.ofSeconds(5));
                ExitInfo exit = u.exit().get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
                System.out.println("[ping-" + tender.target() + "] " + exit + " stderr " + output.lines(GuestOutput.Stream.STDERR));
                assertEquals(ExitClassification.STOPPED, exit.classification());
                // hvt handles SIGTERM and says so on stderr; that last line must not be lost
                assertEquals(tender == Tender.HVT ? 1 : 143, exit.exitCode());
                assertEquals(15, exit.signal());
                assertTrue(tender == Tender.SPT || output.lines(GuestOutput.Stream.STDERR).contains("solo5-hvt: Exiting on signal 15"),
                        output.lines(GuestOutput.Stream.STDERR).toString());
            } finally {
                tap.release(net);
            }
        }
    }

    @Test
    void aBadCommandLineIsAnApplicationFailure() throws Exception {
        Path kernel = Solo5TestKernels.requireKernel("test_net", Tender.SPT);
        try (TestNamespace ns = TestNamespace.create()) {
            NetworkProvisioner tap = provisioner(ns);
            ProvisionedNetwork net = tap.provision("badargs", NetworkSpec.tap("service0"));
            try {
                RecordingGuestOutput output = new RecordingGuestOutput();
                ExitInfo exit = launch(kernel, "badargs", net, output, "x").exit()
                        .get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
                System.out.println("[badargs] " + exit + " " + output.lines(GuestOutput.Stream.STDOUT));
                assertEquals(ExitClassification.FAILURE, exit.classification());
                assertEquals(1, exit.exitCode());
                assertTrue(output.lines(GuestOutput.Stream.STDOUT).contains("Error in command line."), output.lines(GuestOutput.Stream.STDOUT).toString());
            } finally {
                tap.release(net);
            }
        }
    }

    @Test
    void pingThroughTheMonitorOnATapInANamespace() throws Exception {
        Path kernel = Solo5TestKernels.requireKernel("test_net", Tender.SPT);
        try (TestNamespace ns = TestNamespace.create()) {
            NetworkProvisioner tap = tapProvisioner();
            assumeTrue(tap.availability().isUsable(), tap.availability().reason());
            UnikernelSpec spec = UnikernelSpec.builder("m-ping", kernel).backend("solo5").memoryMb(16)
                    .network(NetworkSpec.tap("service0")).option("solo5.umonitor-arguments", "false").build();
            try (io.umonitor.core.Monitor monitor = io.umonitor.core.Monitor.builder().discoverProviders(false)
                    .backend(backend).networkProvisioner(tap)
                    .property("solo5.home", Solo5TestKernels.home().orElseThrow().toString())
                    .property("tap.pool", "10.0.0.0/30").property("tap.namespace", ns.name).property("tap.prefix", "us5")
                    .stateDirectory(dir.resolve("state")).workDirectory(dir.resolve("work")).build()) {
                io.umonitor.api.UnikernelHandle handle = monitor.launchAndAwaitRunning(spec, TIMEOUT);
                ProvisionedNetwork net = handle.networks().get(0);
                assertEquals(Optional.of(ns.name), net.networkNamespace());
                Await.within(TIMEOUT, () -> !monitor.logs("m-ping",
                        io.umonitor.api.LogFilter.ALL.withText("Serving ping on 10.0.0.2")).isEmpty());
                ToolRunner.Result ping = ns.exec(TIMEOUT, "ping", "-c", "3", "-i", "0.2", "-W", "2", "10.0.0.2");
                System.out.println("[m-ping] " + net.hostInterface() + " " + ping.stdout());
                assertEquals(0, ping.exitCode(), ping.output() + " " + monitor.logs("m-ping", io.umonitor.api.LogFilter.ALL));
                ExitInfo exit = handle.stop(Duration.ofSeconds(5));
                System.out.println("[m-ping] " + exit);
                assertEquals(ExitClassification.STOPPED, exit.classification());
            }
            ToolRunner.Result links = ns.exec(TIMEOUT, "ip", "-o", "link", "show");
            assertTrue(!links.stdout().contains("us5"), "the monitor removed its tap: " + links.stdout());
        }
    }
}
