package io.umonitor.core.gateway;

import io.umonitor.api.ConfigurationException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Objects;

/**
 * Settings of a monitor's {@link InvocationGateway}. Start from {@link #defaults()} and change what you
 * need with the {@code with...} methods.
 *
 * @param address where the gateway's WebSocket server listens on the host (default loopback, any free
 *     port). It also listens on the host side of each TAP device of a unikernel while that runs, on a
 *     port of its own; it never listens on all interfaces unless this address says so.
 * @param viewerToken the token log viewers (the web page, other services) present; null: a new random
 *     token each time the monitor starts, readable from {@link InvocationGateway#viewerToken()}
 * @param webPageAddress where the read-only web page is served over HTTP (default loopback, any free
 *     port), or null for no web page
 * @param disconnectGrace how long, after a unikernel's connection closes, pending invocations wait for
 *     the unikernel's exit report so their failure can name the exit code and last console lines
 *     (default 300 ms); they fail at once when the exit is reported sooner
 * @since 0.1
 */
public record GatewayOptions(InetSocketAddress address, String viewerToken, InetSocketAddress webPageAddress,
        Duration disconnectGrace) {

    public GatewayOptions {
        Objects.requireNonNull(address, "address");
        Objects.requireNonNull(disconnectGrace, "disconnectGrace");
        if (viewerToken != null && viewerToken.length() < 16) {
            throw new ConfigurationException("gateway viewer token of " + viewerToken.length()
                    + " characters is too easy to guess: use at least 16 random characters, or null for a generated one");
        }
        if (disconnectGrace.isNegative() || disconnectGrace.compareTo(Duration.ofSeconds(5)) > 0) {
            throw new ConfigurationException("gateway disconnectGrace " + disconnectGrace
                    + " is outside 0..5 s: pending invocations must fail promptly when a unikernel goes away");
        }
    }

    /** Loopback, any free port, a generated viewer token, a web page on loopback. */
    public static GatewayOptions defaults() {
        return new GatewayOptions(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), null,
                new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), Duration.ofMillis(300));
    }

    public GatewayOptions withAddress(InetSocketAddress value) {
        return new GatewayOptions(value, viewerToken, webPageAddress, disconnectGrace);
    }

    public GatewayOptions withViewerToken(String value) {
        return new GatewayOptions(address, value, webPageAddress, disconnectGrace);
    }

    /** Null: no web page. */
    public GatewayOptions withWebPageAddress(InetSocketAddress value) {
        return new GatewayOptions(address, viewerToken, value, disconnectGrace);
    }

    public GatewayOptions withDisconnectGrace(Duration value) {
        return new GatewayOptions(address, viewerToken, webPageAddress, value);
    }
}
