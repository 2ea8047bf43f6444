package io.umonitor.solo5;

import static io.umonitor.solo5.TestRequests.collectors;
import static io.umonitor.solo5.TestRequests.request;
import static io.umonitor.solo5.TestRequests.tap;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.umonitor.api.BlockDeviceSpec;
import io.umonitor.api.ConfigurationException;
import io.umonitor.api.NetworkSpec;
import io.umonitor.api.UnikernelSpec;
import io.umonitor.api.spi.LaunchRequest;
import io.umonitor.solo5.Solo5Image.Device;
import io.umonitor.solo5.Solo5Image.DeviceType;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class TenderCommandTest {
    private static final Path TENDER = Path.of("/opt/solo5/bin/solo5-hvt");
    private static final Path IMAGE = Path.of("/images/web.hvt");
    /** A MirageOS unikernel that links umonitor's OCaml client. */
    private static final Solo5Image WEB = new Solo5Image(IMAGE, Tender.HVT, 2,
            List.of(new Device("service0", DeviceType.NET_BASIC), new Device("storage", DeviceType.BLOCK_BASIC)), true);

    private static LaunchRequest webRequest(UnikernelSpec.Builder spec, String namespace) {
        return request(spec.network(NetworkSpec.tap("service0"))
                        .blockDevice(new BlockDeviceSpec("storage", Path.of("/data/disk.img"), false)).build(),
                List.of(tap("service0", "umtap7", "52:54:00:00:00:07", "10.77.0.1", "10.77.0.2", namespace)),
                collectors("service0", "10.77.0.1"), Path.of("/tmp"));
    }

    @Test
    void fullCommandLine() {
        LaunchRequest request = webRequest(UnikernelSpec.builder("web", IMAGE).memoryMb(64).argument("--port=80")
                .option("solo5.mirage", "true"), null);
        TenderCommand c = TenderCommand.build(TENDER, WEB, request, Solo5Options.of(request.spec()), 0);
        assertEquals(List.of("/opt/solo5/bin/solo5-hvt", "--mem=64",
                "--net:service0=umtap7", "--net-mac:service0=52:54:00:00:00:07",
                "--block:storage=/data/disk.img",
                "--", "/images/web.hvt",
                "--port=80", "--ipv4=10.77.0.2/30", "--ipv4-gateway=10.77.0.1",
                "--umonitor-name=web", "--umonitor-token=tok3n",
                "--umonitor-udp=10.77.0.1:5514", "--umonitor-tcp=10.77.0.1:5515"), c.argv());
        assertEquals(Optional.empty(), c.namespace());
        assertEquals(Optional.empty(), c.gdbCommand());
        assertTrue(c.display().contains(" --umonitor-token=*** ") && !c.display().contains("tok3n"), c.display());
        assertTrue(c.display().contains("--net-mac:service0=52:54:00:00:00:07"), c.display());
    }

    @Test
    void guestParametersBecomeUmonitorKeys() {
        LaunchRequest plain = webRequest(UnikernelSpec.builder("web", IMAGE), null);
        LaunchRequest request = new LaunchRequest(plain.spec(), plain.token(), plain.networks(), plain.collectors(),
                plain.output(), plain.runDirectory(), java.util.Map.of("UMONITOR_WS", "ws://10.77.0.1:4242/invoke"));
        TenderCommand c = TenderCommand.build(TENDER, WEB, request, Solo5Options.of(request.spec()), 0);
        assertEquals("--umonitor-ws=ws://10.77.0.1:4242/invoke", c.argv().get(c.argv().size() - 1));
    }

    @Test
    void syslogBecomesTheMirageSyslogKeysOnlyWhenAskedAndNeverAnUnknownUmonitorKey() {
        java.util.Map<String, String> parameters = java.util.Map.of("UMONITOR_WS", "ws://10.77.0.1:4242/invoke",
                LaunchRequest.SYSLOG_PARAMETER, "10.77.0.1:5514");
        LaunchRequest plain = webRequest(UnikernelSpec.builder("web", IMAGE), null);
        LaunchRequest withoutOption = new LaunchRequest(plain.spec(), plain.token(), plain.networks(),
                plain.collectors(), plain.output(), plain.runDirectory(), parameters);
        LaunchRequest asked = webRequest(UnikernelSpec.builder("web", IMAGE).option("solo5.syslog", "true"), null);
        LaunchRequest withOption = new LaunchRequest(asked.spec(), asked.token(), asked.networks(), asked.collectors(),
                asked.output(), asked.runDirectory(), parameters);

        List<String> off = TenderCommand.build(TENDER, WEB, withoutOption, Solo5Options.of(withoutOption.spec()), 0)
                .guestArguments();
        List<String> on = TenderCommand.build(TENDER, WEB, withOption, Solo5Options.of(withOption.spec()), 0)
                .guestArguments();

        assertTrue(off.stream().noneMatch(a -> a.contains("syslog")), off.toString());
        assertEquals(List.of("--syslog=10.77.0.1", "--syslog-port=5514"), on.subList(on.size() - 2, on.size()));
        assertTrue(on.stream().noneMatch(a -> a.startsWith("--umonitor-syslog")), on.toString());
    }

    @Test
    void defaultMemoryNoMirageNoUmonitorKeys() {
        LaunchRequest request = webRequest(UnikernelSpec.builder("web", IMAGE).argument("verbose")
                .option("solo5.umonitor-arguments", "false"), null);
        TenderCommand c = TenderCommand.build(TENDER, WEB, request, Solo5Options.of(request.spec()), 0);
        assertEquals(List.of("/opt/solo5/bin/solo5-hvt", "--net:service0=umtap7", "--net-mac:service0=52:54:00:00:00:07",
                "--block:storage=/data/disk.img", "--", "/images/web.hvt", "verbose"), c.argv());
    }

    @Test
    void mirageKeysTheSpecSetsItselfAreNotRepeated() {
        LaunchRequest request = webRequest(UnikernelSpec.builder("web", IMAGE).argument("--ipv4=192.168.1.5/24")
                .option("solo5.mirage", "true").option("solo5.umonitor-arguments", "false"), null);
        TenderCommand c = TenderCommand.build(TENDER, WEB, request, Solo5Options.of(request.spec()), 0);
        assertEquals(List.of("--ipv4=192.168.1.5/24", "--ipv4-gateway=10.77.0.1"), c.guestArguments());
    }

    @Test
    void namespaceCpusAndDebug() {
        LaunchRequest request = webRequest(UnikernelSpec.builder("web", IMAGE).option("solo5.debug", "true")
                .option("solo5.cpus", "1").option("solo5.umonitor-arguments", "false"), "umt-ns1");
        TenderCommand c = TenderCommand.build(Path.of("/s/solo5-hvt-debug"), WEB, request,
                Solo5Options.of(request.spec()), 41234);
        assertEquals(List.of("ip", "netns", "exec", "umt-ns1", "taskset", "-c", "1", "/s/solo5-hvt-debug",
                "--net:service0=umtap7", "--net-mac:service0=52:54:00:00:00:07", "--block:storage=/data/disk.img",
                "--gdb", "--gdb-port=41234", "--", "/images/web.hvt"), c.argv());
        assertEquals(Optional.of("umt-ns1"), c.namespace());
        assertEquals(Optional.of("ip netns exec umt-ns1 gdb -ex 'target remote localhost:41234' /images/web.hvt"),
                c.gdbCommand());
    }

    @Test
    void withoutTapsTheUmonitorKeysCarryNoAddresses() {
        Solo5Image hello = new Solo5Image(Path.of("/k/hello.spt"), Tender.SPT, 2, List.of(), true);
        LaunchRequest request = request(UnikernelSpec.builder("hello", hello.path()).build(), List.of(),
                collectors("service0", "10.0.0.1"), Path.of("/tmp"));
        TenderCommand c = TenderCommand.build(Path.of("/s/solo5-spt"), hello, request, Solo5Options.of(request.spec()), 0);
        assertEquals(List.of("/s/solo5-spt", "--", "/k/hello.spt", "--umonitor-name=hello", "--umonitor-token=tok3n"),
                c.argv());
    }

    @Test
    void aTapDeviceWithoutProvisionedTapOrTapsInTwoNamespacesAreRefused() {
        Solo5Image two = new Solo5Image(IMAGE, Tender.SPT, 2, List.of(new Device("a", DeviceType.NET_BASIC),
                new Device("b", DeviceType.NET_BASIC), new Device("c", DeviceType.NET_BASIC)));
        UnikernelSpec spec = UnikernelSpec.builder("x", IMAGE).network(NetworkSpec.tap("a")).network(NetworkSpec.tap("b"))
                .network(NetworkSpec.tap("c")).build();
        LaunchRequest request = request(spec, List.of(tap("a", "t1", "02:00:00:00:00:01", "10.0.0.1", "10.0.0.2", "ns1"),
                tap("b", "t2", "02:00:00:00:00:02", "10.0.0.5", "10.0.0.6", "ns2")), List.of(), Path.of("/tmp"));
        String m = assertThrows(ConfigurationException.class,
                () -> TenderCommand.build(TENDER, two, request, Solo5Options.of(spec), 0)).getMessage();
        assertTrue(m.contains("'c' has no provisioned tap") && m.contains("different network namespaces [ns1, ns2]"), m);
    }

    @Test
    void anImageWithoutAUmonitorClientGetsNoUmonitorKeysUnlessAsked() {
        Solo5Image testNet = new Solo5Image(Path.of("/k/test_net.spt"), Tender.SPT, 2,
                List.of(new Device("service0", DeviceType.NET_BASIC)));
        UnikernelSpec.Builder spec = UnikernelSpec.builder("net", testNet.path()).network(NetworkSpec.tap("service0"))
                .argument("verbose");
        List<io.umonitor.api.spi.ProvisionedNetwork> taps = List.of(tap("service0", "umtap1", "52:54:00:00:00:01",
                "10.77.0.1", "10.77.0.2", null));
        LaunchRequest plain = request(spec.build(), taps, collectors("service0", "10.77.0.1"), Path.of("/tmp"));
        TenderCommand c = TenderCommand.build(TENDER, testNet, plain, Solo5Options.of(plain.spec()), 0);
        assertEquals(List.of("verbose"), c.guestArguments(), "Solo5's test_net reads its command line itself");

        LaunchRequest asked = request(spec.option("solo5.umonitor-arguments", "true").build(), taps,
                collectors("service0", "10.77.0.1"), Path.of("/tmp"));
        TenderCommand forced = TenderCommand.build(TENDER, testNet, asked, Solo5Options.of(asked.spec()), 0);
        assertEquals(List.of("verbose", "--umonitor-name=net", "--umonitor-token=tok3n", "--umonitor-udp=10.77.0.1:5514",
                "--umonitor-tcp=10.77.0.1:5515"), forced.guestArguments());
    }

    @Test
    void aTapInANetworkNamespaceGivesNoCollectorAndSaysWhy() {
        List<io.umonitor.api.spi.ProvisionedNetwork> taps = List.of(tap("service0", "umtap1", "52:54:00:00:00:01",
                "10.77.0.1", "10.77.0.2", "umt-ns7"));
        // What the monitor offers for a namespaced tap: loopback collectors only, none through service0.
        LaunchRequest request = request(UnikernelSpec.builder("ns", IMAGE).network(NetworkSpec.tap("service0")).build(),
                taps, collectors("elsewhere", "10.9.9.1"), Path.of("/tmp"));
        String why = TenderCommand.missingCollectorReason(request, taps).orElseThrow();
        assertTrue(why.contains("namespace 'umt-ns7'") && why.contains("falls back to its console"), why);
        LaunchRequest reachable = request(request.spec(), List.of(tap("service0", "umtap1", "52:54:00:00:00:01",
                "10.77.0.1", "10.77.0.2", null)), collectors("service0", "10.77.0.1"), Path.of("/tmp"));
        assertEquals(Optional.empty(), TenderCommand.missingCollectorReason(reachable, reachable.networks()));
    }
}
