package io.umonitor.otlp.internal;

import io.umonitor.api.ConfigurationException;
import io.umonitor.api.spi.ProviderContext;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The OTLP sink's settings ({@code otlp.KEY} on the monitor), validated together so that one
 * {@link ConfigurationException} names every bad value.
 *
 * @param endpoint where to send; empty when export is off (no {@code otlp.endpoint} set)
 * @param protocol {@code http/protobuf} or {@code grpc}
 * @param headers extra request headers (e.g. an authorization header for a hosted collector)
 * @param timeout how long one export request may take
 * @param batchSize records per export request at most
 * @param maxInFlight export requests under way at once before the sink waits for the oldest
 * @param hostName the {@code host.name} resource attribute
 */
public record OtlpSettings(Optional<URI> endpoint, String protocol, Map<String, String> headers, Duration timeout,
        int batchSize, int maxInFlight, String hostName) {

    public static final String HTTP_PROTOBUF = "http/protobuf";
    public static final String GRPC = "grpc";
    public static final List<String> KEYS = List.of("endpoint", "protocol", "headers", "timeout", "batchSize",
            "maxInFlight", "hostName");

    public OtlpSettings {
        headers = Map.copyOf(headers);
    }

    public static OtlpSettings from(ProviderContext context, String id, String defaultHostName) {
        context.rejectUnknownProperties(id, KEYS);
        List<String> problems = new ArrayList<>();
        String protocol = context.property("protocol").map(String::trim).orElse(HTTP_PROTOBUF);
        if (!protocol.equals(HTTP_PROTOBUF) && !protocol.equals(GRPC)) {
            problems.add("otlp.protocol '" + protocol + "' is unknown: use " + HTTP_PROTOBUF + " or " + GRPC);
        }
        Optional<URI> endpoint = Optional.empty();
        Optional<String> rawEndpoint = context.property("endpoint").map(String::trim).filter(s -> !s.isEmpty());
        if (rawEndpoint.isPresent()) {
            try {
                URI uri = new URI(rawEndpoint.get());
                if (!"http".equals(uri.getScheme()) && !"https".equals(uri.getScheme()) || uri.getHost() == null) {
                    problems.add("otlp.endpoint '" + rawEndpoint.get() + "' is not an http:// or https:// URL with a"
                            + " host: use e.g. http://127.0.0.1:4318 (http/protobuf) or http://127.0.0.1:4317 (grpc)");
                } else {
                    endpoint = Optional.of(uri);
                }
            } catch (URISyntaxException e) {
                problems.add("otlp.endpoint '" + rawEndpoint.get() + "' is not a URL (" + e.getReason()
                        + "): use e.g. http://127.0.0.1:4318");
            }
        }
        Map<String, String> headers = new LinkedHashMap<>();
        context.property("headers").filter(s -> !s.isBlank()).ifPresent(all -> {
            for (String pair : all.split(",")) {
                int eq = pair.indexOf('=');
                if (eq <= 0) {
                    problems.add("otlp.headers entry '" + pair.trim() + "' is not NAME=VALUE: write them as"
                            + " name1=value1,name2=value2");
                } else {
                    headers.put(pair.substring(0, eq).trim(), pair.substring(eq + 1).trim());
                }
            }
        });
        Duration timeout = Duration.ofMillis(positive(context, "timeout", 10_000, problems, "milliseconds"));
        int batchSize = (int) positive(context, "batchSize", 512, problems, "records");
        // One at a time by default: requests under way together may be stored in any order, and a store
        // then shows a unikernel's records out of order (as the SDK's batch processor, one export at a time).
        int maxInFlight = (int) positive(context, "maxInFlight", 1, problems, "requests");
        String hostName = context.property("hostName").map(String::trim).filter(s -> !s.isEmpty())
                .orElse(defaultHostName);
        if (!problems.isEmpty()) {
            throw new ConfigurationException("OTLP export settings are invalid: " + String.join("; ", problems));
        }
        return new OtlpSettings(endpoint, protocol, headers, timeout, batchSize, maxInFlight, hostName);
    }

    private static long positive(ProviderContext context, String key, long defaultValue, List<String> problems,
            String unit) {
        Optional<String> raw = context.property(key).map(String::trim);
        if (raw.isEmpty()) {
            return defaultValue;
        }
        try {
            long value = Long.parseLong(raw.get());
            if (value > 0 && value <= Integer.MAX_VALUE) {
                return value;
            }
        } catch (NumberFormatException e) {
            // reported below with the fix
        }
        problems.add("otlp." + key + " '" + raw.get() + "' is not a positive whole number of " + unit
                + " (default " + defaultValue + ")");
        return defaultValue;
    }

    /**
     * The URL the HTTP exporter posts to: the OTLP/HTTP convention is {@code BASE/v1/logs}, and users
     * usually name only the collector's base address, so a bare host:port gets the path added.
     */
    public String exporterEndpoint() {
        URI uri = endpoint.orElseThrow();
        if (protocol.equals(HTTP_PROTOBUF) && (uri.getPath() == null || uri.getPath().isEmpty()
                || uri.getPath().equals("/"))) {
            String base = uri.toString();
            return (base.endsWith("/") ? base.substring(0, base.length() - 1) : base) + "/v1/logs";
        }
        return uri.toString();
    }
}
