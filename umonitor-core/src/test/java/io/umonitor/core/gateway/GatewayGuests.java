package io.umonitor.core.gateway;

import io.umonitor.api.UnikernelSpec;
import io.umonitor.core.Monitor;
import io.umonitor.core.backend.process.ProcessBackend;
import io.umonitor.testkit.Await;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.java_websocket.client.WebSocketClient;
import org.java_websocket.handshake.ServerHandshake;

/** Builds monitors with a gateway and specs of the {@link GatewayGuestMain} stand-in guest. */
final class GatewayGuests {
    private GatewayGuests() {
    }

    static Monitor monitor() {
        return Monitor.builder().discoverProviders(false).backend(new ProcessBackend())
                .invocationGateway(GatewayOptions.defaults()).stopGrace(Duration.ofSeconds(2)).build();
    }

    static UnikernelSpec.Builder guest(String name, String mode) {
        return UnikernelSpec.builder(name, Path.of(System.getProperty("java.home"), "bin", "java"))
                .arguments(List.of("-Xshare:auto", "-XX:TieredStopAtLevel=1", "-cp", System.getProperty("java.class.path"),
                        GatewayGuestMain.class.getName(), mode));
    }

    static void waitFor(String what, Duration timeout, BooleanSupplier condition) {
        Await.until(what, timeout, condition);
    }

    /** A plain WebSocket client that records what happens to it. */
    static final class RecordingClient extends WebSocketClient {
        final BlockingQueue<String> messages = new LinkedBlockingQueue<>();
        final CompletableFuture<Integer> closedWith = new CompletableFuture<>();
        volatile boolean opened;

        RecordingClient(URI uri, Map<String, String> headers) {
            super(uri, headers);
        }

        /** Connects; false when the gateway refused the handshake. */
        boolean tryConnect() throws InterruptedException {
            return connectBlocking(10, TimeUnit.SECONDS) && opened;
        }

        @Override
        public void onOpen(ServerHandshake handshake) {
            opened = true;
        }

        @Override
        public void onMessage(String message) {
            messages.add(message);
        }

        @Override
        public void onClose(int code, String reason, boolean remote) {
            closedWith.complete(code);
        }

        @Override
        public void onError(Exception ex) {
        }
    }
}
