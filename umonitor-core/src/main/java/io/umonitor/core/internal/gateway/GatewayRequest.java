package io.umonitor.core.internal.gateway;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.java_websocket.handshake.ClientHandshake;

/** The parts of an upgrade request the gateway decides on: path, query parameters and identity headers. */
record GatewayRequest(String path, Map<String, List<String>> query, String nameHeader, String tokenHeader,
        String executorIdHeader) {

    static final String INVOKE_PATH = "/invoke";
    static final String LOGS_PATH = "/logs";

    static GatewayRequest of(ClientHandshake handshake) {
        String descriptor = handshake.getResourceDescriptor();
        String path = descriptor;
        Map<String, List<String>> query = new LinkedHashMap<>();
        int question = descriptor.indexOf('?');
        if (question >= 0) {
            path = descriptor.substring(0, question);
            for (String pair : descriptor.substring(question + 1).split("&")) {
                if (pair.isEmpty()) {
                    continue;
                }
                int eq = pair.indexOf('=');
                String key = decode(eq < 0 ? pair : pair.substring(0, eq));
                String value = eq < 0 ? "" : decode(pair.substring(eq + 1));
                query.computeIfAbsent(key, k -> new ArrayList<>()).add(value);
            }
        }
        return new GatewayRequest(path, query, handshake.getFieldValue("X-Umonitor-Name"),
                handshake.getFieldValue("X-Umonitor-Token"), handshake.getFieldValue("executor_id"));
    }

    private static String decode(String text) {
        try {
            return URLDecoder.decode(text, StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return "";
        }
    }

    String first(String key) {
        List<String> values = query.get(key);
        return values == null || values.isEmpty() ? "" : values.get(0);
    }

    List<String> all(String key) {
        return query.getOrDefault(key, List.of());
    }

    /** The unikernel's name: query, then X-Umonitor-Name, then iarnet's executor_id. */
    String name() {
        String name = first("name");
        if (name.isEmpty()) {
            name = nullToEmpty(nameHeader);
        }
        if (name.isEmpty()) {
            name = nullToEmpty(executorIdHeader);
        }
        return name;
    }

    String token() {
        String token = first("token");
        return token.isEmpty() ? nullToEmpty(tokenHeader) : token;
    }

    private static String nullToEmpty(String s) {
        return s == null ? "" : s.trim();
    }
}
