package io.umonitor.core.gateway;

import static io.umonitor.core.gateway.GatewayGuests.guest;
import static io.umonitor.core.gateway.GatewayGuests.waitFor;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.umonitor.api.LogFilter;
import io.umonitor.core.Monitor;
import io.umonitor.core.backend.process.ProcessBackend;
import io.umonitor.core.gateway.GatewayGuests.RecordingClient;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The live log stream at /logs with real guests: replay then live, filters, and a viewer that never reads. */
@Timeout(90)
class LogStreamIT {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void aViewerGetsTheHistoryThenLiveRecordsOfItsUnikernelsAtItsLevel() throws Exception {
        try (Monitor monitor = GatewayGuests.monitor()) {
            monitor.launch(guest("alpha", "query").build());
            monitor.launch(guest("beta", "query").build());
            Invocations alpha = monitor.invocations("alpha");
            Invocations beta = monitor.invocations("beta");
            alpha.awaitReady(Duration.ofSeconds(20));
            beta.awaitReady(Duration.ofSeconds(20));
            String logged = "{\"out\":3,\"err\":2,\"text\":\"before\"}";
            alpha.invoke("log", logged, Duration.ofSeconds(10)).get(10, TimeUnit.SECONDS);
            beta.invoke("log", logged, Duration.ofSeconds(10)).get(10, TimeUnit.SECONDS);
            waitFor("alpha's stderr lines in its history", Duration.ofSeconds(10), () -> monitor.logs("alpha",
                    LogFilter.ALL).stream().anyMatch(r -> r.message().equals("before err 1")));

            URI uri = URI.create(monitor.gateway().orElseThrow().logStreamUri() + "&name=alpha&level=WARN");
            RecordingClient viewer = new RecordingClient(uri, Map.of());
            assertTrue(viewer.tryConnect(), "viewer connects with the viewer token");
            List<JsonNode> seen = new ArrayList<>();
            takeUntil(viewer, seen, "before err 1");
            alpha.invoke("log", "{\"out\":3,\"err\":2,\"text\":\"after\"}", Duration.ofSeconds(10)).get(10, TimeUnit.SECONDS);
            beta.invoke("log", "{\"out\":3,\"err\":2,\"text\":\"after\"}", Duration.ofSeconds(10)).get(10, TimeUnit.SECONDS);
            takeUntil(viewer, seen, "after err 1");
            List<String> messages = seen.stream().map(n -> n.get("message").asText()).toList();
            assertTrue(messages.indexOf("before err 0") < messages.indexOf("before err 1")
                    && messages.indexOf("before err 1") < messages.indexOf("after err 0"), messages.toString());
            for (JsonNode record : seen) {
                assertEquals("alpha", record.get("unikernel").asText(), record.toString());
                assertTrue(List.of("WARN", "ERROR", "FATAL").contains(record.get("level").asText()), record.toString());
                assertTrue(record.has("time") && record.has("origin") && record.has("logger"), record.toString());
            }
            assertTrue(messages.stream().noneMatch(m -> m.contains(" out ")), "INFO lines are filtered out: " + messages);
            viewer.closeBlocking();
        }
    }

    @Test
    void aViewerThatReadsNothingDoesNotSlowCollection() throws Exception {
        try (Monitor monitor = Monitor.builder().discoverProviders(false).backend(new ProcessBackend())
                .invocationGateway(GatewayOptions.defaults()).stopGrace(Duration.ofSeconds(2))
                .property("log.followerQueueCapacity", "1000").build()) {
            monitor.launch(guest("flood", "query").build());
            Invocations flood = monitor.invocations("flood");
            flood.awaitReady(Duration.ofSeconds(20));
            InvocationGateway gateway = monitor.gateway().orElseThrow();

            // A viewer with a tiny receive window that completes the handshake and then never reads.
            try (Socket stuck = new Socket()) {
                stuck.setReceiveBufferSize(2048);
                stuck.connect(new InetSocketAddress("127.0.0.1", gateway.address().getPort()), 5000);
                URI stream = gateway.logStreamUri();
                OutputStream out = stuck.getOutputStream();
                out.write(("GET " + stream.getRawPath() + "?" + stream.getRawQuery() + " HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                        + "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                        + "Sec-WebSocket-Version: 13\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                out.flush();
                InputStream in = stuck.getInputStream();
                byte[] status = in.readNBytes(12);
                assertEquals("HTTP/1.1 101", new String(status, StandardCharsets.US_ASCII));

                RecordingClient fast = new RecordingClient(URI.create(stream + "&name=flood"), Map.of());
                assertTrue(fast.tryConnect());

                int lines = 40_000;
                String text = "flood-line-" + "x".repeat(150);
                long start = System.nanoTime();
                flood.invoke("log", "{\"out\":" + lines + ",\"err\":0,\"text\":\"" + text + "\"}", Duration.ofSeconds(60))
                        .get(60, TimeUnit.SECONDS);
                String last = text + " out " + (lines - 1);
                waitFor("the last flood line in the history", Duration.ofSeconds(30), () -> monitor.logs("flood",
                        LogFilter.ALL.withText(" out " + (lines - 1))).stream().anyMatch(r -> r.message().equals(last)));
                long collectedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
                System.out.println(lines + " console lines collected in " + collectedMs + " ms with a stuck viewer attached");
                assertTrue(collectedMs < 30_000, "collection took " + collectedMs + " ms");
                waitFor("the gateway to notice the stuck viewer", Duration.ofSeconds(20),
                        () -> gateway.slowSubscriberEvents() > 0);

                flood.invoke("log", "{\"out\":1,\"err\":0,\"text\":\"marker\"}", Duration.ofSeconds(10)).get(10, TimeUnit.SECONDS);
                List<JsonNode> seen = new ArrayList<>();
                takeUntil(fast, seen, "marker out 0");
                System.out.println("the reading viewer got " + seen.size() + " messages");
                fast.closeBlocking();
            }
        }
    }

    /** Takes messages until one has {@code message}, with a deadline. */
    private static void takeUntil(RecordingClient client, List<JsonNode> into, String message) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < deadline) {
            String text = client.messages.poll(100, TimeUnit.MILLISECONDS);
            if (text == null) {
                continue;
            }
            JsonNode node = JSON.readTree(text);
            into.add(node);
            if (node.get("message").asText().equals(message)) {
                return;
            }
        }
        throw new AssertionError("no record '" + message + "' within 30 s; got " + into.size() + " records");
    }
}
