package io.umonitor.api.spi;

import io.umonitor.api.ConfigurationException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;

/**
 * Reads a provider's settings (the monitor's {@code PREFIX.KEY} properties, handed over with the prefix
 * stripped) into typed values and collects every problem, so that {@link #check} reports them all in one
 * {@link ConfigurationException}. Every problem is worded the same way: the full key, the value given, and
 * what to write instead, e.g. {@code log.historySize is '0': use 1 or more}.
 *
 * <p>A reader that meets a bad value records the problem and returns the fallback, so the caller can go on
 * reading the other keys. Not thread-safe: one reader per validation.
 *
 * <pre>{@code
 * SettingsReader s = new SettingsReader("vmm", context.properties(), List.of("binary", "timeoutMs"));
 * Path binary = s.path("binary");
 * Duration timeout = s.millis("timeoutMs", Duration.ofSeconds(5), 1, 600_000);
 * s.check("vmm backend");
 * }</pre>
 *
 * @since 0.1
 */
public final class SettingsReader {
    private final String prefix;
    private final Map<String, String> values;
    private final List<String> problems = new ArrayList<>();

    /**
     * @param prefix the settings prefix (the provider's id, {@code log}, ...), used in every problem
     * @param values the settings with the prefix stripped
     * @param known every key the caller reads; any other key is reported as unknown
     */
    public SettingsReader(String prefix, Map<String, String> values, List<String> known) {
        this.prefix = Objects.requireNonNull(prefix, "prefix");
        this.values = Map.copyOf(values);
        List<String> unknown = values.keySet().stream().filter(k -> !known.contains(k)).sorted().toList();
        if (!unknown.isEmpty()) {
            problems.add("unknown setting(s) " + keys(unknown) + ": known " + prefix + ".* settings are " + known);
        }
    }

    /** {@code key} as the user writes it: with the prefix. */
    public String key(String key) {
        return prefix + "." + key;
    }

    public boolean has(String key) {
        return values.containsKey(key);
    }

    /** The trimmed value, or {@code fallback} when unset. */
    public String string(String key, String fallback) {
        String raw = values.get(key);
        return raw == null ? fallback : raw.trim();
    }

    /**
     * The value parsed by {@code parse}, or {@code fallback} when unset or invalid. {@code parse} throws an
     * {@link IllegalArgumentException} whose message says what to use (a {@link NumberFormatException}
     * becomes "use a whole number").
     */
    public <T> T get(String key, T fallback, Function<String, T> parse) {
        String raw = values.get(key);
        if (raw == null) {
            return fallback;
        }
        try {
            return parse.apply(raw.trim());
        } catch (RuntimeException e) {
            invalid(key, e instanceof NumberFormatException ? "use a whole number" : e.getMessage());
            return fallback;
        }
    }

    /** A whole number from {@code min} to {@code max}. */
    public int integer(String key, int fallback, int min, int max) {
        return (int) longInteger(key, fallback, min, max);
    }

    /** A whole number from {@code min} to {@code max}. */
    public long longInteger(String key, long fallback, long min, long max) {
        Long value = get(key, null, Long::parseLong);
        if (value == null) {
            return fallback;
        }
        if (value < min || value > max) {
            boolean unbounded = max == Long.MAX_VALUE || max == Integer.MAX_VALUE;
            invalid(key, value < min && unbounded ? "use " + min + " or more" : "use " + min + " to " + max);
            return fallback;
        }
        return value;
    }

    /** A whole number of milliseconds from {@code minMillis} to {@code maxMillis}. */
    public Duration millis(String key, Duration fallback, long minMillis, long maxMillis) {
        return has(key) ? Duration.ofMillis(longInteger(key, fallback.toMillis(), minMillis, maxMillis)) : fallback;
    }

    /** {@code true}/{@code yes}/{@code on} or {@code false}/{@code no}/{@code off}. */
    public boolean bool(String key, boolean fallback) {
        return get(key, fallback, v -> switch (v.toLowerCase(Locale.ROOT)) {
            case "true", "yes", "on" -> true;
            case "false", "no", "off" -> false;
            default -> throw new IllegalArgumentException("use true or false");
        });
    }

    /** A {@code host:port} (see {@link #parseAddress}); null for {@code off}; {@code fallback} when unset. */
    public InetSocketAddress address(String key, InetSocketAddress fallback) {
        return get(key, fallback, SettingsReader::parseAddress);
    }

    /** A file system path, or null when unset. */
    public Path path(String key) {
        return get(key, null, Path::of);
    }

    /** Records a problem found by the caller (two settings that do not go together, a file that is unusable). */
    public void problem(String text) {
        problems.add(text);
    }

    /** Records that {@code key}'s value is invalid, with what to use instead. */
    public void invalid(String key, String fix) {
        problems.add(key(key) + " is '" + values.get(key) + "': " + fix);
    }

    /** The problems found so far, in the order found. */
    public List<String> problems() {
        return List.copyOf(problems);
    }

    /**
     * @param what whose settings, for the message (e.g. {@code log}, {@code syslog receiver})
     * @throws ConfigurationException listing every problem found so far
     */
    public void check(String what) {
        if (!problems.isEmpty()) {
            throw new ConfigurationException(what + " settings are invalid: " + String.join("; ", problems));
        }
    }

    /**
     * {@code host:port} or {@code [v6]:port} with a numeric or resolvable host and port 0 to 65,535 (0: any
     * free port), or {@code off} for null.
     *
     * @throws IllegalArgumentException saying what to write instead
     */
    public static InetSocketAddress parseAddress(String text) {
        if (text.equalsIgnoreCase("off")) {
            return null;
        }
        int colon = text.lastIndexOf(':');
        if (colon <= 0 || colon == text.length() - 1) {
            throw new IllegalArgumentException("use host:port (e.g. 127.0.0.1:7070, port 0 for any) or 'off'");
        }
        String host = text.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        int port;
        try {
            port = Integer.parseInt(text.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("the port is not a number: use host:port (e.g. 127.0.0.1:7070)");
        }
        if (port < 0 || port > 65_535) {
            throw new IllegalArgumentException("port " + port + " is outside 0..65535: use host:port (e.g. "
                    + "127.0.0.1:7070, port 0 for any)");
        }
        try {
            return new InetSocketAddress(InetAddress.getByName(host), port);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("host '" + host + "' is unknown: use a numeric address of this host");
        }
    }

    private List<String> keys(List<String> keys) {
        return keys.stream().map(this::key).toList();
    }
}
