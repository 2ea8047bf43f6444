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
import io.umonitor.protocol.ConsoleDecoder;
import io.umonitor.protocol.Frame;
import io.umonitor.protocol.RecordFrame;
import io.umonitor.testkit.Await;
import io.umonitor.testkit.RecordingGuestOutput;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Ten Solo5 unikernels launched at once on spt, each on its own tap with its own /30 from the tap
 * provisioner (inside a namespace this test creates and deletes): each answers ping at its own address
 * (given as the MirageOS boot parameter --ipv4) and delivers its console-encoded records.
 */
class Solo5ManyIT {

    private static final int COUNT = 10;
    private static final Duration TIMEOUT = Duration.ofSeconds(60);

    @TempDir
    Path dir;

    private record Guest(String name, ProvisionedNetwork net, RecordingGuestOutput output, LaunchedUnikernel unikernel) {
    }

    @Test
    void tenAtOnceEachWithItsOwnTapAndAddress() throws Exception {
        Solo5TestKernels.requireKernel("test_hello", Tender.SPT);
        Path kernel = TestGuest.withNetwork(Tender.SPT);
        NetworkProvisioner tap = ServiceLoader.load(NetworkProvisioner.class).stream().map(ServiceLoader.Provider::get)
                .filter(p -> p.id().equals("tap")).findFirst().orElse(null);
        assumeTrue(tap != null, "the tap NetworkProvisioner (umonitor-core) is not on the classpath");
        Solo5Backend backend = new Solo5Backend();
        ExecutorService pool = Executors.newFixedThreadPool(COUNT);
        List<Guest> guests = new ArrayList<>();
        try (TestNamespace ns = TestNamespace.create()) {
            assumeTrue(tap.availability().isUsable(), tap.availability().reason());
            tap.initialize(new ProviderContext(Map.of("pool", "10.203.0.0/24", "namespace", ns.name, "prefix", "us5"),
                    Files.createDirectories(dir.resolve("state")), dir));
            try {
                List<CompletableFuture<Guest>> launches = new ArrayList<>();
                for (int i = 0; i < COUNT; i++) {
                    String name = "many-" + i;
                    launches.add(CompletableFuture.supplyAsync(() -> {
                        ProvisionedNetwork net = tap.provision(name, NetworkSpec.tap("service0"));
                        RecordingGuestOutput output = new RecordingGuestOutput();
                        UnikernelSpec spec = UnikernelSpec.builder(name, kernel).network(NetworkSpec.tap("service0"))
                                .memoryMb(8).argument("serve").option("solo5.mirage", "true")
                                // umt_guest stands in for a unikernel with the client, whose keys it echoes
                                .option("solo5.umonitor-arguments", "true").build();
                        LaunchedUnikernel u = backend.launch(new LaunchRequest(spec, "token-" + name, List.of(net),
                                List.of(), output, dir));
                        return new Guest(name, net, output, u);
                    }, pool));
                }
                for (CompletableFuture<Guest> launch : launches) {
                    guests.add(launch.get(TIMEOUT.toSeconds(), TimeUnit.SECONDS));
                }
                assertEquals(COUNT, new HashSet<>(guests.stream().map(g -> g.net().hostInterface()).toList()).size());
                assertEquals(COUNT, new HashSet<>(guests.stream().map(g -> g.net().guestAddress()).toList()).size());
                assertEquals(COUNT, new HashSet<>(guests.stream().map(g -> g.net().mac()).toList()).size());
                for (Guest g : guests) {
                    assertTrue(Await.within(TIMEOUT, () -> g.output().hasLineContaining("umt_guest: serving ping")),
                            g.name() + ": " + g.output().lines(GuestOutput.Stream.STDOUT) + " " + g.output().lines(GuestOutput.Stream.STDERR));
                }
                for (Guest g : guests) {
                    String address = g.net().guestAddress().getHostAddress();
                    ToolRunner.Result ping = ns.exec(TIMEOUT, "ping", "-c", "1", "-W", "2", address);
                    System.out.println("[" + g.name() + "] " + g.net().hostInterface() + " " + g.net().guestCidr()
                            + " via " + g.net().hostAddress().getHostAddress() + ": "
                            + ping.stdout().lines().filter(l -> l.contains("bytes from")).findFirst().orElse(ping.output()));
                    assertEquals(0, ping.exitCode(), g.name() + " at " + address + ": " + ping.output());
                    assertTrue(g.output().lines(GuestOutput.Stream.STDOUT).stream().anyMatch(l -> l.contains("--ipv4=" + g.net().guestCidr())
                            && l.contains("--umonitor-name=" + g.name())), g.output().lines(GuestOutput.Stream.STDOUT).toString());
                    ConsoleDecoder decoder = new ConsoleDecoder();
                    List<Frame> frames = new ArrayList<>();
                    for (String line : g.output().lines(GuestOutput.Stream.STDOUT)) {
                        decoder.decodeLine(line).ifPresent(frames::add);
                    }
                    assertEquals(TestGuest.RECORDS, frames, g.name());
                    Map<String, String> details = g.unikernel().details();
                    assertTrue(Long.parseLong(details.get("net.service0.guest-tx-bytes")) > 0, details.toString());
                }
                for (Guest g : guests) {
                    g.unikernel().stop(Duration.ofSeconds(5));
                }
                for (Guest g : guests) {
                    ExitInfo exit = g.unikernel().exit().get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
                    assertEquals(ExitClassification.STOPPED, exit.classification(), g.name() + ": " + exit);
                }
            } finally {
                for (Guest g : guests) {
                    g.unikernel().kill();
                }
                for (Guest g : guests) {
                    g.unikernel().exit().get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
                    tap.release(g.net());
                }
                pool.shutdownNow();
                tap.close();
            }
            ToolRunner.Result links = ns.exec(TIMEOUT, "ip", "-o", "link", "show");
            assertTrue(!links.stdout().contains("us5"), "taps left behind: " + links.stdout());
        }
    }

    @Test
    void tenAtOnceThroughTheMonitorEachDeliveringItsRecords() throws Exception {
        Solo5TestKernels.requireKernel("test_hello", Tender.SPT);
        Path kernel = TestGuest.withNetwork(Tender.SPT);
        NetworkProvisioner tap = ServiceLoader.load(NetworkProvisioner.class).stream().map(ServiceLoader.Provider::get)
                .filter(p -> p.id().equals("tap")).findFirst().orElse(null);
        assumeTrue(tap != null, "the tap NetworkProvisioner (umonitor-core) is not on the classpath");
        try (TestNamespace ns = TestNamespace.create()) {
            assumeTrue(tap.availability().isUsable(), tap.availability().reason());
            try (io.umonitor.core.Monitor monitor = io.umonitor.core.Monitor.builder().discoverProviders(false)
                    .backend(new Solo5Backend()).networkProvisioner(tap)
                    .property("solo5.home", Solo5TestKernels.home().orElseThrow().toString())
                    .property("tap.pool", "10.204.0.0/24").property("tap.namespace", ns.name).property("tap.prefix", "us5")
                    .stateDirectory(dir.resolve("state")).workDirectory(dir.resolve("work")).build()) {
                List<io.umonitor.api.UnikernelHandle> handles = new ArrayList<>();
                for (int i = 0; i < COUNT; i++) {
                    handles.add(monitor.launch(UnikernelSpec.builder("monitored-" + i, kernel).backend("solo5")
                            .memoryMb(8).network(NetworkSpec.tap("service0")).argument("serve")
                            .option("solo5.mirage", "true").build()));
                }
                Await.within(TIMEOUT, () -> handles.stream().noneMatch(h -> monitor.logs(h.name(),
                        io.umonitor.api.LogFilter.ALL.withText("serving ping")).isEmpty()));
                assertEquals(COUNT, new HashSet<>(handles.stream().map(h -> h.networks().get(0).guestAddress())
                        .toList()).size());
                for (io.umonitor.api.UnikernelHandle h : handles) {
                    assertEquals(io.umonitor.api.UnikernelState.RUNNING, h.state(), h.name());
                    String address = h.networks().get(0).guestAddress().getHostAddress();
                    ToolRunner.Result ping = ns.exec(TIMEOUT, "ping", "-c", "1", "-W", "2", address);
                    assertEquals(0, ping.exitCode(), h.name() + " at " + address + ": " + ping.output());
                    List<io.umonitor.api.LogRecord> records = monitor.logs(h.name(), io.umonitor.api.LogFilter.ALL)
                            .stream().filter(io.umonitor.api.LogRecord::hasSequence).toList();
                    System.out.println("[" + h.name() + "] " + h.networks().get(0).guestCidr() + " ping ok, records "
                            + records.stream().map(r -> r.level() + " " + r.message()).toList());
                    assertEquals(TestGuest.RECORDS.stream().map(RecordFrame::message).toList(),
                            records.stream().map(io.umonitor.api.LogRecord::message).toList(), h.name());
                    assertTrue(records.stream().allMatch(r -> r.unikernel().equals(h.name())));
                }
                for (io.umonitor.api.UnikernelHandle h : handles) {
                    assertEquals(ExitClassification.STOPPED, h.stop(Duration.ofSeconds(5)).classification(), h.name());
                }
            }
            ToolRunner.Result links = ns.exec(TIMEOUT, "ip", "-o", "link", "show");
            assertTrue(!links.stdout().contains("us5"), "taps left behind: " + links.stdout());
        }
    }
}
