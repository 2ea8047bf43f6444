package io.umonitor.syslog.internal;

import io.umonitor.api.ConfigurationException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;

/** Reading the {@code syslog.*} settings, shared by the receiver and the forwarding sink (one prefix, two users). */
public final class Settings {
    public static final List<String> RECEIVER_KEYS = List.of("udpAddress", "tcpAddress", "tlsAddress", "tlsCertificate",
            "tlsKey", "tlsClientCa", "maxMessageLength", "maxConnections", "attributeByName", "attachUnknown");
    public static final List<String> FORWARD_KEYS = List.of("forward.address", "forward.tls", "forward.tlsCa",
            "forward.tlsCertificate", "forward.tlsKey", "forward.hostname", "forward.facility", "forward.sdId",
            "forward.bufferBytes", "forward.resendWindowMs", "forward.reconnectMaxMs", "forward.connectTimeoutMs");

    private final Map<String, String> values;
    private final List<String> problems = new ArrayList<>();

    public Settings(Map<String, String> values) {
        this.values = values;
        List<String> unknown = values.keySet().stream()
                .filter(k -> !RECEIVER_KEYS.contains(k) && !FORWARD_KEYS.contains(k)).sorted().toList();
        if (!unknown.isEmpty()) {
            problems.add("unknown setting(s) " + unknown.stream().map(k -> "syslog." + k).toList() + ": known are "
                    + RECEIVER_KEYS.stream().map(k -> "syslog." + k).toList() + " and "
                    + FORWARD_KEYS.stream().map(k -> "syslog." + k).toList());
        }
    }

    public boolean has(String key) {
        return values.containsKey(key);
    }

    public String string(String key, String fallback) {
        return values.getOrDefault(key, fallback).trim();
    }

    public InetSocketAddress address(String key) {
        return get(key, null, Settings::parseAddress);
    }

    public Path path(String key) {
        return get(key, null, Path::of);
    }

    public int integer(String key, int fallback, int min, int max) {
        Integer v = get(key, fallback, Integer::parseInt);
        if (v != null && (v < min || v > max)) {
            problems.add("syslog." + key + " is " + v + ": use " + min + " to " + max);
            return fallback;
        }
        return v == null ? fallback : v;
    }

    public boolean bool(String key, boolean fallback) {
        return get(key, fallback, v -> switch (v.toLowerCase(Locale.ROOT)) {
            case "true", "yes", "on" -> true;
            case "false", "no", "off" -> false;
            default -> throw new IllegalArgumentException("use true or false");
        });
    }

    public <T> T get(String key, T fallback, Function<String, T> parse) {
        String raw = values.get(key);
        if (raw == null) {
            return fallback;
        }
        try {
            return parse.apply(raw.trim());
        } catch (RuntimeException e) {
            problems.add("syslog." + key + " is '" + raw + "': " + (e instanceof NumberFormatException
                    ? "use a whole number" : e.getMessage()));
            return fallback;
        }
    }

    public void problem(String text) {
        problems.add(text);
    }

    /** @throws ConfigurationException listing every problem found so far */
    public void check(String what) {
        if (!problems.isEmpty()) {
            throw new ConfigurationException(what + " settings are invalid: " + String.join("; ", problems));
        }
    }

    /** {@code host:port}, {@code [v6]:port}, or {@code off} for null. */
    static InetSocketAddress parseAddress(String text) {
        if (text.equalsIgnoreCase("off")) {
            return null;
        }
        int colon = text.lastIndexOf(':');
        if (colon <= 0 || colon == text.length() - 1) {
            throw new IllegalArgumentException("use host:port (e.g. 127.0.0.1:5514, port 0 for any) or 'off'");
        }
        String host = text.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        int port;
        try {
            port = Integer.parseInt(text.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("the port is not a number: use host:port (e.g. 127.0.0.1:5514)");
        }
        if (port < 0 || port > 65_535) {
            throw new IllegalArgumentException("port " + port + " is outside 0..65535");
        }
        try {
            return new InetSocketAddress(InetAddress.getByName(host), port);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("host '" + host + "' is unknown: use a numeric address");
        }
    }
}
