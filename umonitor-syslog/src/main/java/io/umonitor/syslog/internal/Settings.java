package io.umonitor.syslog.internal;

import io.umonitor.api.spi.SettingsReader;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The {@code syslog.*} settings: one prefix, two users (the receiver and the forwarding sink), so each reader
 * accepts the other's keys as known.
 */
public final class Settings {
    public static final List<String> RECEIVER_KEYS = List.of("udpAddress", "tcpAddress", "tlsAddress", "tlsCertificate",
            "tlsKey", "tlsClientCa", "maxMessageLength", "maxConnections", "attributeByName", "attachUnknown");
    public static final List<String> FORWARD_KEYS = List.of("forward.address", "forward.tls", "forward.tlsCa",
            "forward.tlsCertificate", "forward.tlsKey", "forward.hostname", "forward.facility", "forward.sdId",
            "forward.bufferBytes", "forward.resendWindowMs", "forward.reconnectMaxMs", "forward.connectTimeoutMs");
    private static final List<String> ALL = Stream.concat(RECEIVER_KEYS.stream(), FORWARD_KEYS.stream()).toList();

    private Settings() {
    }

    /** A reader of the {@code syslog.*} settings (prefix stripped). */
    public static SettingsReader reader(Map<String, String> values) {
        return new SettingsReader("syslog", values, ALL);
    }
}
