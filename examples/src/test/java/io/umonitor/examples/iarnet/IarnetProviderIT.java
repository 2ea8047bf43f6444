package io.umonitor.examples.iarnet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.umonitor.api.LogFilter;
import io.umonitor.api.UnikernelHandle;
import io.umonitor.core.Monitor;
import io.umonitor.core.gateway.GatewayOptions;
import io.umonitor.solo5.MirageBuilder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole provider flow with a real MirageOS unikernel: generate, build with mirage (twice: the second
 * build is reused by content hash), launch on Solo5 hvt with its own tap, connect, invoke, undeploy.
 * Needs the mirage tool (with opam and make), Solo5's hvt tender, /dev/kvm and root for the tap.
 */
@Timeout(1800)
class IarnetProviderIT {

    @Test
    void deployInvokeUndeployAMirageFunction(@TempDir Path dir) throws Exception {
        assumeTrue(GeneratedGuestOnHostIT.onPath("mirage") && GeneratedGuestOnHostIT.onPath("opam")
                        && GeneratedGuestOnHostIT.onPath("make"),
                "needs the mirage tool, opam and make (opam install mirage; MirageOS 4.9 or later) to build the function");
        assumeTrue(GeneratedGuestOnHostIT.onPath("solo5-hvt") && Files.isReadable(Path.of("/dev/kvm")),
                "needs Solo5's solo5-hvt tender on PATH and /dev/kvm to run the function");
        assumeTrue("root".equals(System.getProperty("user.name")), "needs root to create the function's tap device");
        Path cache = dir.resolve("builds");
        try (Monitor monitor = Monitor.builder().invocationGateway(GatewayOptions.defaults()).build();
                IarnetProvider provider = new IarnetProvider(monitor, MirageBuilder.create(cache), dir.resolve("work"))) {
            UnikernelHandle adder = provider.deploy("adder", UnikernelSourcesTest.ADDER, Duration.ofMinutes(20));
            assertEquals("5", provider.invoke("adder", "add", "[2,3]", Duration.ofSeconds(30)));
            assertTrue(monitor.logs("adder", LogFilter.ALL).stream().anyMatch(r -> r.logger().equals("mirage-build")),
                    "the build output is in the function's log");
            provider.undeploy("adder");
            assertTrue(adder.state().isTerminal());

            UnikernelHandle again = provider.deploy("adder", UnikernelSourcesTest.ADDER, Duration.ofMinutes(2));
            assertTrue(monitor.logs("adder", LogFilter.ALL.withText("reusing the build")).size() > 0,
                    "the same code is not built twice");
            assertEquals("7", provider.invoke("adder", "add", "[3,4]", Duration.ofSeconds(30)));
            provider.undeploy("adder");
            assertTrue(again.state().isTerminal());
        }
    }
}
