package io.umonitor.core.internal.gateway;

import java.net.InetSocketAddress;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.java_websocket.WebSocket;
import org.java_websocket.drafts.Draft;
import org.java_websocket.exceptions.InvalidDataException;
import org.java_websocket.framing.CloseFrame;
import org.java_websocket.handshake.ClientHandshake;
import org.java_websocket.handshake.ServerHandshakeBuilder;
import org.java_websocket.server.WebSocketServer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One listening address of the gateway. Every decision is the gateway's; this class only adapts
 * Java-WebSocket's callbacks. Refusals happen in the handshake, so an unauthenticated client never gets
 * an open connection.
 */
final class GatewayServer extends WebSocketServer {
    private static final Logger LOG = LoggerFactory.getLogger(GatewayServer.class);

    private final DefaultInvocationGateway gateway;
    private final boolean viewersAllowed;
    private final CompletableFuture<Void> started = new CompletableFuture<>();

    GatewayServer(DefaultInvocationGateway gateway, InetSocketAddress address, boolean viewersAllowed) {
        super(address, 2);
        this.gateway = gateway;
        this.viewersAllowed = viewersAllowed;
        setReuseAddr(true);
        setDaemon(true);
        // Finds guests that vanished without closing (a killed VM behind a tap) well before any timeout.
        setConnectionLostTimeout(10);
    }

    /** Starts and waits until the socket is bound, so {@link #getPort()} is the real port. */
    void startAndAwait() {
        start();
        try {
            started.get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            Throwable cause = e instanceof java.util.concurrent.ExecutionException ? e.getCause() : e;
            try {
                stop(100);
            } catch (InterruptedException ie) {
                Thread.currentThread().interrupt();
            }
            throw new io.umonitor.api.ConfigurationException("the invocation gateway cannot listen on "
                    + getAddress() + ": " + cause + ": choose another address or port", cause);
        }
    }

    @Override
    public ServerHandshakeBuilder onWebsocketHandshakeReceivedAsServer(WebSocket conn, Draft draft,
            ClientHandshake request) throws InvalidDataException {
        ServerHandshakeBuilder builder = super.onWebsocketHandshakeReceivedAsServer(conn, draft, request);
        String refusal = gateway.checkHandshake(GatewayRequest.of(request), viewersAllowed);
        if (refusal != null) {
            LOG.info("invocation gateway refused a connection from {}: {}", conn.getRemoteSocketAddress(), refusal);
            throw new InvalidDataException(CloseFrame.POLICY_VALIDATION, refusal);
        }
        return builder;
    }

    @Override
    public void onOpen(WebSocket conn, ClientHandshake handshake) {
        gateway.opened(conn, GatewayRequest.of(handshake));
    }

    @Override
    public void onClose(WebSocket conn, int code, String reason, boolean remote) {
        gateway.closed(conn, code, reason);
    }

    @Override
    public void onMessage(WebSocket conn, String message) {
        gateway.message(conn, message);
    }

    @Override
    public void onError(WebSocket conn, Exception ex) {
        if (conn == null && !started.isDone()) {
            started.completeExceptionally(ex);
            return;
        }
        LOG.debug("invocation gateway connection {} failed", conn, ex);
    }

    @Override
    public void onStart() {
        started.complete(null);
    }
}
