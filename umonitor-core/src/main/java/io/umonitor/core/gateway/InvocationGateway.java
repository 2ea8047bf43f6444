package io.umonitor.core.gateway;

import java.net.InetSocketAddress;
import java.net.URI;
import java.util.Collection;
import java.util.Optional;

/**
 * The monitor's WebSocket server for talking to running unikernels, enabled with
 * {@link io.umonitor.core.Monitor.Builder#invocationGateway(GatewayOptions)}. Closed with the monitor.
 *
 * <h2>Unikernels: {@code /invoke}</h2>
 * A launched unikernel connects as a WebSocket client to {@code ws://HOST:PORT/invoke}, where the
 * backend tells it the address in the guest parameter {@code UMONITOR_WS} (the process backend: an
 * environment variable). It identifies itself with its name and its per-launch token (the same one its
 * log client uses, {@code UMONITOR_TOKEN}), either as query parameters {@code ?name=NAME&token=TOKEN}
 * or as upgrade headers {@code X-Umonitor-Name} and {@code X-Umonitor-Token}; the header
 * {@code executor_id} (as the iarnet provider sends it) is accepted for the name, never without the token.
 * Unknown names and wrong or missing tokens are refused in the handshake with an HTTP error response,
 * never an open connection (tokens compared in constant time). The gateway listens on the configured host address (loopback by default) and on the host
 * side of each TAP device of a running unikernel; a unikernel may reconnect at any time.
 *
 * <h2>Viewers: {@code /logs}</h2>
 * {@code ws://HOST:PORT/logs?token=VIEWER_TOKEN[&name=A&name=B][&level=INFO]} (loopback only) sends the
 * in-memory history of the chosen unikernels (all when no name is given) at or above the level, then
 * follows live; each text message is one record as a JSON object, the same shape as a line of the file
 * sink's JSON Lines format. A subscriber that does not keep up is skipped ahead: the records it missed
 * are counted in a MONITOR record ({@code skipped N records}); collection never waits for it.
 *
 * <h2>Web page</h2>
 * {@link #webPage()} is a read-only page over HTTP on loopback: the unikernels with their state and their
 * logs live, with level colours and a filter box.
 *
 * @since 0.1
 */
public interface InvocationGateway {

    /** Where the gateway listens on the host's configured address (loopback by default). */
    InetSocketAddress address();

    /** The URI a guest on this host dials ({@code ws://HOST:PORT/invoke}), without identity. */
    URI invokeUri();

    /** Every address the gateway listens on now: the configured one and the host side of running unikernels' taps. */
    Collection<InetSocketAddress> addresses();

    /** The token log viewers present. */
    String viewerToken();

    /** {@code ws://HOST:PORT/logs?token=...}: the live log stream of every unikernel. */
    URI logStreamUri();

    /** The web page's address, token included, when the page is enabled. */
    Optional<URI> webPage();

    /** Calls into the unikernel {@code name}; works before it has launched or connected. */
    Invocations invocations(String name);

    /** Live log subscribers (web pages, services) connected now. */
    int viewers();

    /** Live log subscribers skipped ahead or dropped because they did not keep up, since the start. */
    long slowSubscriberEvents();
}
