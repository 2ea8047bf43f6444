package io.umonitor.examples.fleet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.umonitor.api.ExitClassification;
import io.umonitor.api.RestartPolicy;
import io.umonitor.api.UnikernelHandle;
import io.umonitor.api.UnikernelSpec;
import io.umonitor.core.Monitor;
import io.umonitor.core.backend.process.ProcessBackend;
import io.umonitor.core.gateway.GatewayOptions;
import io.umonitor.core.sink.FileSink;
import io.umonitor.otlp.OtlpLogSink;
import io.umonitor.otlp.OtlpReceiver;
import io.umonitor.syslog.SyslogForwardingSink;
import io.umonitor.syslog.SyslogFrameReader;
import io.umonitor.syslog.SyslogMessage;
import io.umonitor.syslog.SyslogParser;
import io.umonitor.testkit.Await;
import io.umonitor.testkit.CClientGuests;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Fleet identity on every way a record leaves the monitor: a guest that crashes once and is restarted
 * sends records in both runs, and each record says which run it came from, the same in the JSON Lines
 * file, the live JSON stream of the gateway, OTLP (resource {@code service.instance.id},
 * {@code umonitor.restart}, backend, image digest) and syslog forwarding (structured data): restart 0 and 1,
 * two different launch ids. Real processes, a real OTLP request decoder over HTTP (no Collector can be
 * installed here), a loopback syslog listener reading the forwarder's RFC 6587 frames, the JDK's WebSocket.
 */
@Timeout(120)
class LaunchIdentityIT {
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final int RECORDS = 5;
    private static final String GUEST_SOURCE = """
            #include <stdio.h>
            #include <stdlib.h>
            #include "umonitor_log.h"

            /* guest MARKER: sends 5 records; the first run (no MARKER file yet) then crashes, the second exits 0. */
            int main(int argc, char **argv)
            {
                FILE *marker = fopen(argv[1], "r");
                int first = marker == NULL;
                int i;
                if (marker != NULL)
                    fclose(marker);
                if (umon_init_from_env() != UMON_OK)
                    return 2;
                for (i = 0; i < 5; i++)
                    send_log(UMON_INFO, "%s run record %d", first ? "first" : "second", i);
                umon_shutdown("done");
                if (first) {
                    marker = fopen(argv[1], "w");
                    fclose(marker);
                    abort();
                }
                return 0;
            }
            """;

    private static Path guest;

    @BeforeAll
    static void compileGuest(@TempDir Path dir) throws Exception {
        guest = CClientGuests.compile(dir, "phoenix", GUEST_SOURCE);
    }

    @Test
    void recordsBeforeAndAfterARestartCarryRestart0And1AndTwoLaunchIdsInEveryOutput(@TempDir Path dir)
            throws Exception {
        List<String> live = new CopyOnWriteArrayList<>();
        try (OtlpReceiver otlp = OtlpReceiver.http(0); SyslogListener syslog = new SyslogListener()) {
            Monitor monitor = Monitor.builder().discoverProviders(false).backend(new ProcessBackend())
                    .sink(new FileSink()).sink(new OtlpLogSink()).sink(new SyslogForwardingSink())
                    .stateDirectory(dir.resolve("state")).workDirectory(dir.resolve("work")).closeOnJvmExit(false)
                    .invocationGateway(GatewayOptions.defaults().withWebPageAddress(null))
                    .property("file.directory", dir.resolve("logs").toString()).property("file.format", "json")
                    .property("otlp.endpoint", otlp.endpoint())
                    .property("syslog.forward.address", "127.0.0.1:" + syslog.port())
                    .build();
            WebSocket viewer;
            try {
                viewer = HttpClient.newHttpClient().newWebSocketBuilder()
                        .buildAsync(monitor.gateway().orElseThrow().logStreamUri(), new Collecting(live))
                        .get(WAIT.toSeconds(), TimeUnit.SECONDS);
                UnikernelHandle handle = monitor.launch(UnikernelSpec.builder("phoenix", guest).backend("process")
                        .argument(dir.resolve("crashed-once").toString())
                        .restartPolicy(RestartPolicy.onFailure(1, Duration.ofMillis(100), Duration.ofMillis(100)))
                        .build());
                assertEquals(ExitClassification.NORMAL, handle.termination().get(WAIT.toSeconds(), TimeUnit.SECONDS)
                        .classification(), "the second run exits 0");
                assertEquals(1, handle.restarts());
                Await.value("both runs' records on the live stream", WAIT, () -> guestRecords(live).size(),
                        n -> n == 2 * RECORDS);
                viewer.sendClose(WebSocket.NORMAL_CLOSURE, "done");
            } finally {
                monitor.close(); // flushes the file, the OTLP requests and the syslog connection
            }

            String digest = "sha256:" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest(Files.readAllBytes(guest)));

            // The JSON Lines file (the documented, stable format) and the live stream: the same shape.
            Map<String, String> fromFile = runsOf(guestRecords(Files.readAllLines(dir.resolve("logs/phoenix.jsonl"))));
            Map<String, String> fromLive = runsOf(guestRecords(live));
            assertEquals(fromFile, fromLive, "the live stream says what the file says");

            // OTLP: the resource says which run.
            Map<String, String> fromOtlp = new TreeMap<>();
            for (OtlpReceiver.Received r : otlp.of("phoenix")) {
                if (!r.attribute("umonitor.origin").getStringValue().equals("tcp")) {
                    continue;
                }
                assertEquals("process", r.resource().get("umonitor.backend").getStringValue());
                assertEquals(digest, r.resource().get("umonitor.image.digest").getStringValue());
                fromOtlp.put(r.record().getBody().getStringValue(),
                        r.resource().get("umonitor.restart").getIntValue() + " "
                                + r.resource().get("service.instance.id").getStringValue());
            }
            assertEquals(fromFile, fromOtlp, "OTLP's resource names the same runs");

            // Syslog forwarding: structured data.
            Map<String, String> fromSyslog = new TreeMap<>();
            for (SyslogMessage m : Await.value("both runs' records at the syslog listener", WAIT, syslog::messages,
                    l -> l.stream().filter(x -> x.msgId().equals("TCP")).count() == 2 * RECORDS)) {
                if (m.msgId().equals("TCP")) {
                    Map<String, String> sd = new TreeMap<>();
                    m.structuredData().get(0).params().forEach(p -> sd.put(p.name(), p.value()));
                    fromSyslog.put(m.message(), sd.get("restart") + " " + sd.get("launch"));
                }
            }
            assertEquals(fromFile, fromSyslog, "syslog's structured data names the same runs");

            // Two runs: restart 0 then 1, each with its own launch id (a UUID), on all five records of each run.
            assertEquals(2 * RECORDS, fromFile.size(), fromFile.toString());
            String first = fromFile.get("first run record 0");
            String second = fromFile.get("second run record 0");
            assertTrue(first.matches("0 [0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"), first);
            assertTrue(second.matches("1 [0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"), second);
            assertNotEquals(first.substring(2), second.substring(2), "each run has its own launch id");
            System.out.println("runs of phoenix (restart, launch id): first " + first + ", second " + second
                    + ", image " + digest);
            for (int i = 0; i < RECORDS; i++) {
                assertEquals(first, fromFile.get("first run record " + i));
                assertEquals(second, fromFile.get("second run record " + i));
            }
            // The monitor's own records about a run carry that run too.
            Map<String, String> events = new TreeMap<>();
            for (JsonNode n : parse(Files.readAllLines(dir.resolve("logs/phoenix.jsonl")))) {
                if (n.path("origin").asText().equals("MONITOR")) {
                    String event = n.path("message").asText().split("[ :(]")[0];
                    events.putIfAbsent(event, n.path("restart").asText() + " " + n.path("launch").asText());
                }
            }
            assertEquals(first, events.get("launched"), events.toString());
            assertEquals(second, events.get("restarted"), events.toString());
        }
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    private static List<JsonNode> parse(List<String> lines) throws IOException {
        List<JsonNode> nodes = new ArrayList<>();
        for (String line : lines) {
            JsonNode n = JSON.readTree(line);
            if (n.has("unikernel")) {
                nodes.add(n); // the live stream also sends notices, which are not records
            }
        }
        return nodes;
    }

    private static List<JsonNode> guestRecords(List<String> lines) {
        try {
            return parse(List.copyOf(lines)).stream().filter(n -> n.path("origin").asText().equals("TCP")).toList();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** Message to "RESTART LAUNCH_ID", as the JSON shape says them. */
    private static Map<String, String> runsOf(List<JsonNode> records) {
        Map<String, String> runs = new TreeMap<>();
        for (JsonNode n : records) {
            assertTrue(n.path("restart").isInt(), "restart is a JSON number: " + n);
            runs.put(n.path("message").asText(), n.path("restart").asInt() + " " + n.path("launch").asText());
        }
        return runs;
    }

    /** Keeps each text message of the live stream. */
    private record Collecting(List<String> into) implements WebSocket.Listener {
        @Override
        public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
            into.add(data.toString());
            webSocket.request(1);
            return null;
        }
    }

    /** A loopback syslog server: reads octet-counted frames (RFC 6587) and parses them as RFC 5424. */
    private static final class SyslogListener implements AutoCloseable {
        private final ServerSocket server = new ServerSocket(0, 10, InetAddress.getLoopbackAddress());
        private final List<SyslogMessage> messages = new CopyOnWriteArrayList<>();
        private final Thread thread = new Thread(this::serve, "test-syslog-listener");

        SyslogListener() throws IOException {
            thread.setDaemon(true);
            thread.start();
        }

        int port() {
            return server.getLocalPort();
        }

        List<SyslogMessage> messages() {
            return List.copyOf(messages);
        }

        private void serve() {
            SyslogParser parser = new SyslogParser();
            while (!server.isClosed()) {
                try (Socket s = server.accept()) {
                    SyslogFrameReader frames = new SyslogFrameReader(s.getInputStream(), 64 * 1024);
                    for (byte[] frame; (frame = frames.next()) != null; ) {
                        messages.add(parser.parse(frame));
                    }
                } catch (IOException e) {
                    // closed, or the forwarder reconnects: accept the next connection
                }
            }
        }

        @Override
        public void close() throws IOException {
            server.close();
        }
    }
}
