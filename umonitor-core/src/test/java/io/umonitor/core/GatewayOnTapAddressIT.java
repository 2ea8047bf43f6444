package io.umonitor.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.umonitor.api.LogFilter;
import io.umonitor.api.NetworkSpec;
import io.umonitor.api.UnikernelHandle;
import io.umonitor.api.UnikernelSpec;
import io.umonitor.api.spi.LaunchRequest;
import io.umonitor.core.gateway.GatewayGuestMain;
import io.umonitor.core.gateway.GatewayOptions;
import io.umonitor.core.gateway.InvocationGateway;
import io.umonitor.core.gateway.Invocations;
import io.umonitor.kit.process.SupervisedProcess;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A guest with a TAP device is told to dial the gateway on its tap's host address (a 127.0.77.N address
 * from the fake provisioner, so no root is needed), where the gateway listens only while the guest runs,
 * and where log viewers are refused. The guest is the real Java stand-in run by a VM-like test backend
 * that passes the guest parameters as environment variables.
 */
@Timeout(60)
class GatewayOnTapAddressIT {

    @Test
    void aGuestWithATapDialsTheGatewayOnTheTapsHostAddress() throws Exception {
        VmLikeBackend backend = new VmLikeBackend(request -> SupervisedProcess.builder(
                Path.of(System.getProperty("java.home"), "bin", "java")).arguments(List.of("-XX:TieredStopAtLevel=1",
                "-cp", System.getProperty("java.class.path"), GatewayGuestMain.class.getName(), "headers")));
        try (Monitor monitor = Monitor.builder().discoverProviders(false).backend(backend)
                .networkProvisioner(new FakeTapProvisioner(new CopyOnWriteArrayList<>()))
                .invocationGateway(GatewayOptions.defaults().withWebPageAddress(null))
                .senderLinger(Duration.ZERO).stopGrace(Duration.ofSeconds(2)).build()) {
            InvocationGateway gateway = monitor.gateway().orElseThrow();
            UnikernelHandle vm = monitor.launch(UnikernelSpec.builder("vm", Path.of("/images/vm.hvt"))
                    .network(NetworkSpec.tap("service")).build());
            Invocations invocations = monitor.invocations("vm");
            invocations.awaitReady(Duration.ofSeconds(20));

            LaunchRequest request = backend.requests.get(0);
            String hostAddress = request.networks().get(0).hostAddress().getHostAddress();
            URI dialled = URI.create(request.guestParameters().get("UMONITOR_WS"));
            assertEquals(hostAddress, dialled.getHost(), "the guest dials its tap's host side: " + dialled);
            assertTrue(dialled.getPort() != gateway.address().getPort());
            assertTrue(gateway.addresses().contains(new InetSocketAddress(hostAddress, dialled.getPort())),
                    gateway.addresses().toString());
            // The guest prints this after connecting; its console line may reach the log after awaitReady returned.
            long consoleDeadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (monitor.logs("vm", LogFilter.ALL).stream().noneMatch(r -> r.message().equals("guest connected"))) {
                assertTrue(System.nanoTime() < consoleDeadline, "no 'guest connected' console line within 20 s");
                Thread.sleep(10);
            }
            assertEquals("{\"via\":\"tap\"}", invocations.invoke("echo", "{\"via\":\"tap\"}", Duration.ofSeconds(10))
                    .get(10, TimeUnit.SECONDS));

            // Log viewers connect on the main address only.
            var viewer = new org.java_websocket.client.WebSocketClient(URI.create("ws://" + hostAddress + ":"
                    + dialled.getPort() + "/logs?token=" + gateway.viewerToken())) {
                @Override
                public void onOpen(org.java_websocket.handshake.ServerHandshake h) {
                }

                @Override
                public void onMessage(String m) {
                }

                @Override
                public void onClose(int code, String reason, boolean remote) {
                }

                @Override
                public void onError(Exception e) {
                }
            };
            assertFalse(viewer.connectBlocking(10, TimeUnit.SECONDS) && viewer.isOpen(),
                    "a viewer on the tap address is refused");

            vm.stop();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (gateway.addresses().size() > 1 && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertEquals(List.of(gateway.address()), List.copyOf(gateway.addresses()),
                    "the gateway stops listening on the tap address once the guest has ended");
        }
    }
}
