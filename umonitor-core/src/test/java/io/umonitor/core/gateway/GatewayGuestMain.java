package io.umonitor.core.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.URI;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.java_websocket.client.WebSocketClient;
import org.java_websocket.handshake.ServerHandshake;

/**
 * A stand-in unikernel run as a real process by the process backend: dials {@code UMONITOR_WS} with its
 * name and token and answers invocations.
 *
 * <p>Topics: {@code echo} (value back), {@code sleep} ({@code {"ms":N,"value":V}}: V after N ms),
 * {@code fail} (error reply with the value's text), {@code exit} (prints a line, exits with the value as
 * code, no reply), {@code disconnect} (closes, reconnects after the value in ms), {@code log}
 * ({@code {"out":N,"err":M,"text":T}}: prints lines to stdout and stderr, then replies).
 * Argument {@code headers} identifies with X-Umonitor-* headers instead of the query; {@code executor-id}
 * with iarnet's executor_id header plus X-Umonitor-Token.
 */
public final class GatewayGuestMain {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final ScheduledExecutorService TIMER = Executors.newSingleThreadScheduledExecutor();
    private static String mode = "query";

    public static void main(String[] args) throws Exception {
        if (args.length > 0) {
            mode = args[0];
        }
        System.out.println("guest starting, gateway " + System.getenv("UMONITOR_WS"));
        connect();
        Thread.sleep(Long.MAX_VALUE);
    }

    static void connect() throws Exception {
        String ws = System.getenv("UMONITOR_WS");
        String name = System.getenv("UMONITOR_NAME");
        String token = System.getenv("UMONITOR_TOKEN");
        Map<String, String> headers = new HashMap<>();
        URI uri;
        switch (mode) {
            case "headers" -> {
                uri = URI.create(ws);
                headers.put("X-Umonitor-Name", name);
                headers.put("X-Umonitor-Token", token);
            }
            case "executor-id" -> {
                uri = URI.create(ws);
                headers.put("executor_id", name);
                headers.put("X-Umonitor-Token", token);
            }
            default -> uri = URI.create(ws + "?name=" + name + "&token=" + token);
        }
        Client client = new Client(uri, headers);
        if (!client.connectBlocking(10, TimeUnit.SECONDS)) {
            System.err.println("guest could not connect to " + ws);
            System.exit(3);
        }
        System.out.println("guest connected");
    }

    private static final class Client extends WebSocketClient {
        Client(URI uri, Map<String, String> headers) {
            super(uri, headers);
        }

        @Override
        public void onOpen(ServerHandshake handshake) {
        }

        @Override
        public void onMessage(String message) {
            try {
                JsonNode request = JSON.readTree(message);
                String topic = request.get("topic").asText();
                JsonNode value = request.get("value");
                switch (topic) {
                    case "echo" -> reply(request, value, null);
                    case "sleep" -> TIMER.schedule(() -> reply(request, value.get("value"), null),
                            value.get("ms").asLong(), TimeUnit.MILLISECONDS);
                    case "fail" -> reply(request, null, value.asText());
                    case "exit" -> {
                        System.out.println("guest exiting with " + value.asInt());
                        System.out.flush();
                        Runtime.getRuntime().halt(value.asInt());
                    }
                    case "disconnect" -> {
                        close();
                        TIMER.schedule(() -> {
                            try {
                                GatewayGuestMain.connect();
                            } catch (Exception e) {
                                e.printStackTrace();
                            }
                            return null;
                        }, value.asLong(), TimeUnit.MILLISECONDS);
                    }
                    case "log" -> {
                        String text = value.get("text").asText();
                        for (int i = 0; i < value.get("out").asInt(); i++) {
                            System.out.println(text + " out " + i);
                        }
                        for (int i = 0; i < value.get("err").asInt(); i++) {
                            System.err.println(text + " err " + i);
                        }
                        System.out.flush();
                        System.err.flush();
                        reply(request, JSON.getNodeFactory().textNode("logged"), null);
                    }
                    default -> reply(request, null, "unknown topic " + topic);
                }
            } catch (Exception e) {
                e.printStackTrace();
            }
        }

        private void reply(JsonNode request, JsonNode value, String error) {
            ObjectNode reply = JSON.createObjectNode();
            reply.set("corr_id", request.get("corr_id"));
            reply.set("topic", request.get("topic"));
            reply.set("value", value);
            reply.put("error", error);
            send(reply.toString());
        }

        @Override
        public void onClose(int code, String reason, boolean remote) {
            System.out.println("guest connection closed: " + code + " " + reason);
        }

        @Override
        public void onError(Exception ex) {
            ex.printStackTrace();
        }
    }
}
