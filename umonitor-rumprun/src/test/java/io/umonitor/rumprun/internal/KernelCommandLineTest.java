package io.umonitor.rumprun.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.umonitor.api.BlockDeviceSpec;
import io.umonitor.api.NetworkSpec;
import io.umonitor.api.UnikernelSpec;
import io.umonitor.api.CollectorEndpoint;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class KernelCommandLineTest {

    private static final UnikernelSpec USER_NET = UnikernelSpec.builder("web-1", Path.of("/img/httpd.bin"))
            .argument("-p").argument("8080").argument("two words")
            .network(NetworkSpec.user("net0"))
            .environment("MODE", "a,b")
            .blockDevice(new BlockDeviceSpec("data", Path.of("/d.img"), false))
            .build();

    @Test
    void rumprunJsonCarriesExactlyTheKeysRumprunKnowsWithTheCollectorButNotTheTokenInItsEnvironment() throws Exception {
        NetworkPlan plan = NetworkPlan.of(TestRequests.request(USER_NET, List.of(), TestRequests.loopbackCollectors()));
        String json = KernelCommandLine.build(Flavour.RUMPRUN, USER_NET, plan, "httpd", "", false);

        assertEquals("{\"cmdline\":\"httpd -p 8080 \\\"two words\\\"\","
                + "\"env\":\"UMONITOR_NAME=web-1\","
                + "\"env\":\"UMONITOR_TCP=10.0.2.2:40001\","
                + "\"env\":\"UMONITOR_UDP=10.0.2.2:40002\","
                + "\"env\":\"MODE=a,b\","
                + "\"hostname\":\"web-1\","
                + "\"net\":{\"if\":\"vioif0\",\"type\":\"inet\",\"method\":\"static\",\"addr\":\"10.0.2.15\","
                + "\"mask\":\"24\",\"gw\":\"10.0.2.2\"},"
                + "\"blk\":{\"source\":\"dev\",\"path\":\"/dev/ld0a\",\"fstype\":\"blk\",\"mountpoint\":\"/data\"}}",
                json);
        assertFalse(json.contains(",,"), "commas are not doubled: -append is not a QEMU option list");
        JsonNode parsed = new ObjectMapper().readTree(json);
        assertEquals("10.0.2.15", parsed.path("net").path("addr").asText());
    }

    @Test
    void rumprunConfiguresOnlyTheFirstNicAndUsesTheTapCollector() throws Exception {
        UnikernelSpec spec = UnikernelSpec.builder("svc", Path.of("/img/svc")).network(NetworkSpec.tap("service0"))
                .network(NetworkSpec.user("net1")).build();
        InetAddress host = InetAddress.getByName("10.77.0.1");
        List<CollectorEndpoint> collectors = List.of(
                new CollectorEndpoint(CollectorEndpoint.Transport.UDP, new InetSocketAddress(host, 5000), "service0"),
                new CollectorEndpoint(CollectorEndpoint.Transport.TCP, new InetSocketAddress(host, 5001), "service0"));
        NetworkPlan plan = NetworkPlan.of(TestRequests.request(spec,
                List.of(TestRequests.tap("service0", "umtap7", null)), collectors));
        String json = KernelCommandLine.build(Flavour.RUMPRUN, spec, plan, "svc", "", false);

        assertEquals(1, json.split("\"net\":").length - 1, "one net block: " + json);
        assertTrue(json.contains("\"addr\":\"10.77.0.2\",\"mask\":\"30\",\"gw\":\"10.77.0.1\""), json);
        assertTrue(json.contains("UMONITOR_UDP=10.77.0.1:5000") && json.contains("UMONITOR_TCP=10.77.0.1:5001"), json);
    }

    @Test
    void multibootGetsUmonitorWordsThenArgumentsThenExtraAppend() {
        NetworkPlan plan = NetworkPlan.of(TestRequests.request(USER_NET, List.of(), TestRequests.loopbackCollectors()));
        String line = KernelCommandLine.build(Flavour.MULTIBOOT, USER_NET, plan, "httpd", "test.end=halt", false);
        assertEquals("umonitor.name=web-1"
                + " umonitor.tcp=10.0.2.2:40001 umonitor.udp=10.0.2.2:40002 umonitor.ip=10.0.2.15/24"
                + " umonitor.gw=10.0.2.2 -p 8080 two words test.end=halt", line);
    }

    @Test
    void theTokenIsOnTheCommandLineOnlyWhenTheLegacySettingAsksForIt() {
        NetworkPlan plan = NetworkPlan.of(TestRequests.request(USER_NET, List.of(), TestRequests.loopbackCollectors()));
        for (Flavour flavour : Flavour.values()) {
            assertFalse(KernelCommandLine.build(flavour, USER_NET, plan, "httpd", "", false).contains(TestRequests.TOKEN),
                    flavour + ": the token goes through fw_cfg, not -append");
        }
        assertTrue(KernelCommandLine.build(Flavour.RUMPRUN, USER_NET, plan, "httpd", "", true)
                .contains("\"env\":\"UMONITOR_TOKEN=" + TestRequests.TOKEN + "\""));
        assertTrue(KernelCommandLine.build(Flavour.MULTIBOOT, USER_NET, plan, "httpd", "", true)
                .startsWith("umonitor.name=web-1 umonitor.token=" + TestRequests.TOKEN + " umonitor.tcp="));
        assertTrue(KernelCommandLine.build(Flavour.UNIKRAFT, USER_NET, plan, "httpd", "", true)
                .contains(" umonitor.token=" + TestRequests.TOKEN + " "));
    }

    @Test
    void unikraftGetsNetdevIpAndArgumentsAfterDashes() {
        NetworkPlan plan = NetworkPlan.of(TestRequests.request(USER_NET, List.of(), TestRequests.loopbackCollectors()));
        String line = KernelCommandLine.build(Flavour.UNIKRAFT, USER_NET, plan, "httpd", "", false);
        assertTrue(line.startsWith("netdev.ip=10.0.2.15/24:10.0.2.2 umonitor.name=web-1 "), line);
        assertTrue(line.endsWith(" -- -p 8080 two words"), line);
    }

    @Test
    void aTapInANetworkNamespaceGivesNoCollectorAddressAndTheReasonSaysSo() {
        UnikernelSpec spec = UnikernelSpec.builder("ns", Path.of("/k/ns")).network(NetworkSpec.tap("service0")).build();
        // What the monitor offers for a namespaced tap: loopback collectors only.
        NetworkPlan plan = NetworkPlan.of(TestRequests.request(spec,
                List.of(TestRequests.tap("service0", "umtap4", "umt-ns3")), TestRequests.loopbackCollectors()));
        assertFalse(KernelCommandLine.build(Flavour.MULTIBOOT, spec, plan, "ns", "", false).contains("umonitor.tcp="));
        String why = plan.missingCollectorReason().orElseThrow();
        assertTrue(why.contains("namespace 'umt-ns3'") && why.contains("falls back to its console"), why);
        NetworkPlan none = NetworkPlan.of(TestRequests.request(UnikernelSpec.builder("plain", Path.of("/k/p")).build(),
                List.of(), TestRequests.loopbackCollectors()));
        assertTrue(none.missingCollectorReason().isEmpty(), "without a network there is nothing to explain");
    }

    @Test
    void withoutNetworkTheGuestGetsNoCollectorAddress() {
        UnikernelSpec spec = UnikernelSpec.builder("quiet", Path.of("/img/q")).build();
        NetworkPlan plan = NetworkPlan.of(TestRequests.request(spec, List.of(), TestRequests.loopbackCollectors()));
        String json = KernelCommandLine.build(Flavour.RUMPRUN, spec, plan, "q", "", false);
        assertFalse(json.contains("UMONITOR_TCP") || json.contains("\"net\""), json);
        assertTrue(json.contains("UMONITOR_NAME=quiet"), json);
    }
}
