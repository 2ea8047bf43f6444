package io.umonitor.core.internal.gateway;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.umonitor.api.ConfigurationException;
import io.umonitor.api.ExitInfo;
import io.umonitor.core.gateway.InvocationException;
import io.umonitor.core.gateway.InvocationException.Reason;
import io.umonitor.core.gateway.Invocations;
import io.umonitor.core.sink.Escaping;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import org.java_websocket.WebSocket;
import org.java_websocket.exceptions.WebsocketNotConnectedException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** One unikernel's side of the gateway across its runs and connections. */
final class Channel implements Invocations {
    private static final Logger LOG = LoggerFactory.getLogger(Channel.class);

    private final String name;
    private final DefaultInvocationGateway gateway;
    private final ObjectMapper json;
    private final AtomicLong lateReplies = new AtomicLong();

    // Guarded by this.
    private WebSocket connection;
    private final Map<String, Pending> pending = new HashMap<>();
    /** Invocations whose connection closed, waiting briefly for the exit report. */
    private final List<Pending> orphans = new ArrayList<>();
    private CompletableFuture<Void> ready = new CompletableFuture<>();
    private long nextId;
    private boolean closed;

    Channel(String name, DefaultInvocationGateway gateway, ObjectMapper json) {
        this.name = name;
        this.gateway = gateway;
        this.json = json;
    }

    private static final class Pending {
        final String id;
        final String topic;
        final WebSocket connection;
        final CompletableFuture<String> future = new CompletableFuture<>();
        ScheduledFuture<?> timeout;

        Pending(String id, String topic, WebSocket connection) {
            this.id = id;
            this.topic = topic;
            this.connection = connection;
        }
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public CompletableFuture<String> invoke(String topic, String jsonValue, Duration timeout) {
        if (topic == null) {
            throw new ConfigurationException("invocation of unikernel '" + name + "' has no topic: pass a topic name");
        }
        if (timeout == null || timeout.isZero() || timeout.isNegative()) {
            throw new ConfigurationException("invocation timeout " + timeout + " for unikernel '" + name
                    + "' is not positive: pass e.g. Duration.ofSeconds(30)");
        }
        JsonNode value;
        try {
            value = jsonValue == null ? json.nullNode() : json.readTree(jsonValue);
        } catch (JsonProcessingException e) {
            throw new ConfigurationException("invocation value for topic '" + topic + "' of unikernel '" + name
                    + "' is not JSON (" + abbreviate(jsonValue) + "): pass JSON text, e.g. \"\\\"text\\\"\" for a string", e);
        }
        Pending p;
        synchronized (this) {
            if (closed) {
                return CompletableFuture.failedFuture(new InvocationException(Reason.CLOSED, "cannot invoke topic '"
                        + topic + "' of unikernel '" + name + "': the monitor is closing", null));
            }
            if (connection == null || !connection.isOpen()) {
                return CompletableFuture.failedFuture(new InvocationException(Reason.NOT_CONNECTED, "cannot invoke topic '"
                        + topic + "' of unikernel '" + name + "': it is not connected to the invocation gateway; "
                        + gateway.notConnectedHint(name), null));
            }
            p = new Pending(Long.toString(++nextId), topic, connection);
            pending.put(p.id, p);
        }
        ObjectNode request = json.createObjectNode();
        request.put("corr_id", p.id);
        request.put("topic", topic);
        request.set("value", value);
        try {
            p.timeout = gateway.scheduler().schedule(() -> timedOut(p, timeout), timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            fail(List.of(p), Reason.CLOSED, "the monitor is closing", null);
            return p.future;
        }
        try {
            p.connection.send(request.toString());
        } catch (WebsocketNotConnectedException e) {
            List<Pending> lost = takePending(p.connection);
            fail(lost, Reason.DISCONNECTED, "its connection closed while the request was sent", null);
        }
        return p.future;
    }

    private void timedOut(Pending p, Duration timeout) {
        synchronized (this) {
            if (pending.remove(p.id) == null) {
                return;
            }
        }
        p.future.completeExceptionally(new InvocationException(Reason.TIMEOUT, "unikernel '" + name
                + "' did not answer invocation of topic '" + p.topic + "' (corr_id " + p.id + ") within " + timeout
                + ": a later reply will be counted and dropped; allow more time or look at its log", null));
    }

    void reply(String text) {
        JsonNode reply;
        try {
            reply = json.readTree(text);
        } catch (JsonProcessingException e) {
            LOG.warn("unikernel '{}' sent a message that is not JSON on the invocation gateway: {}", name,
                    abbreviate(text));
            return;
        }
        JsonNode id = reply.get("corr_id");
        Pending p = null;
        if (id != null && !id.isNull()) {
            synchronized (this) {
                p = pending.remove(id.asText());
            }
        }
        if (p == null) {
            lateReplies.incrementAndGet();
            LOG.debug("unikernel '{}' answered corr_id {} which is not pending (late or unknown); dropped", name, id);
            return;
        }
        if (p.timeout != null) {
            p.timeout.cancel(false);
        }
        JsonNode error = reply.get("error");
        if (error != null && !error.isNull() && !(error.isTextual() && error.asText().isEmpty())) {
            String errorText = error.isTextual() ? error.asText() : error.toString();
            p.future.completeExceptionally(new InvocationException(Reason.ERROR_REPLY, "unikernel '" + name
                    + "' answered invocation of topic '" + p.topic + "' (corr_id " + p.id + ") with an error: "
                    + errorText, null));
            return;
        }
        JsonNode value = reply.get("value");
        p.future.complete(value == null ? "null" : value.toString());
    }

    /** A new connection of this unikernel; an older one is replaced and its pending invocations fail. */
    void attached(WebSocket conn) {
        WebSocket old;
        List<Pending> lost;
        CompletableFuture<Void> nowReady;
        synchronized (this) {
            old = connection;
            connection = conn;
            lost = old != null ? takePending(old) : List.of();
            nowReady = ready;
        }
        if (old != null && old != conn) {
            fail(lost, Reason.DISCONNECTED, "a new connection of the unikernel replaced the one it was sent on", null);
            old.close(1000, "replaced by a new connection of the same unikernel");
        }
        nowReady.complete(null);
    }

    /** The connection closed; pending invocations fail at once if the exit is already known, else after a short grace. */
    void detached(WebSocket conn, int code, String reason) {
        List<Pending> lost;
        synchronized (this) {
            if (connection != conn) {
                return;
            }
            connection = null;
            if (ready.isDone()) {
                ready = new CompletableFuture<>();
            }
            lost = takePending(conn);
        }
        if (lost.isEmpty()) {
            return;
        }
        String why = "its connection closed (code " + code + (reason == null || reason.isEmpty() ? "" : ", " + reason) + ")";
        Duration grace = gateway.disconnectGrace();
        ExitInfo known = gateway.exitIfEnded(name);
        if (known != null || grace.isZero()) {
            fail(lost, known != null ? Reason.EXITED : Reason.DISCONNECTED, why, known);
            return;
        }
        synchronized (this) {
            orphans.addAll(lost);
        }
        try {
            gateway.scheduler().schedule(() -> {
                List<Pending> still;
                synchronized (this) {
                    still = new ArrayList<>(lost);
                    still.retainAll(orphans);
                    orphans.removeAll(still);
                }
                ExitInfo exit = gateway.exitIfEnded(name);
                fail(still, exit != null ? Reason.EXITED : Reason.DISCONNECTED, why, exit);
            }, grace.toMillis(), TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            fail(lost, Reason.CLOSED, why + " while the monitor closes", null);
        }
    }

    /** The unikernel's run ended: everything pending fails now, with how it ended. */
    void exited(ExitInfo exit) {
        List<Pending> lost;
        WebSocket conn;
        CompletableFuture<Void> waiting;
        synchronized (this) {
            lost = new ArrayList<>(pending.values());
            pending.clear();
            lost.addAll(orphans);
            orphans.clear();
            conn = connection;
            connection = null;
            waiting = ready;
            ready = new CompletableFuture<>();
        }
        fail(lost, Reason.EXITED, "it ended", exit);
        waiting.completeExceptionally(new InvocationException(Reason.EXITED, "unikernel '" + name
                + "' ended before it connected to the invocation gateway: " + DefaultInvocationGateway.describe(exit), exit));
        if (conn != null) {
            conn.close(1000, "the unikernel's run ended");
        }
    }

    void close() {
        List<Pending> lost;
        WebSocket conn;
        CompletableFuture<Void> waiting;
        synchronized (this) {
            closed = true;
            lost = new ArrayList<>(pending.values());
            pending.clear();
            lost.addAll(orphans);
            orphans.clear();
            conn = connection;
            connection = null;
            waiting = ready;
        }
        fail(lost, Reason.CLOSED, "the monitor is closing", null);
        waiting.completeExceptionally(new InvocationException(Reason.CLOSED, "unikernel '" + name
                + "' did not connect before the monitor closed", null));
        if (conn != null) {
            conn.close(1001, "the monitor is closing");
        }
    }

    private synchronized List<Pending> takePending(WebSocket conn) {
        List<Pending> taken = new ArrayList<>();
        for (Iterator<Pending> it = pending.values().iterator(); it.hasNext(); ) {
            Pending p = it.next();
            if (p.connection == conn) {
                taken.add(p);
                it.remove();
            }
        }
        return taken;
    }

    private void fail(List<Pending> lost, Reason reason, String why, ExitInfo exit) {
        for (Pending p : lost) {
            if (p.timeout != null) {
                p.timeout.cancel(false);
            }
            String message = "invocation of topic '" + p.topic + "' (corr_id " + p.id + ") of unikernel '" + name
                    + "' failed: " + why + (exit != null ? "; " + DefaultInvocationGateway.describe(exit) : "");
            p.future.completeExceptionally(new InvocationException(reason, message, exit));
        }
    }

    @Override
    public CompletableFuture<Void> ready() {
        synchronized (this) {
            if (connection != null && connection.isOpen()) {
                return CompletableFuture.completedFuture(null);
            }
            if (closed) {
                return CompletableFuture.failedFuture(new InvocationException(Reason.CLOSED, "unikernel '" + name
                        + "' cannot connect: the monitor is closing", null));
            }
        }
        ExitInfo ended = gateway.exitIfEnded(name);
        if (ended != null) {
            return CompletableFuture.failedFuture(new InvocationException(Reason.EXITED, "unikernel '" + name
                    + "' has ended and is not connected: " + DefaultInvocationGateway.describe(ended), ended));
        }
        synchronized (this) {
            return ready.copy();
        }
    }

    @Override
    public void awaitReady(Duration timeout) {
        try {
            ready().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            throw new InvocationException(Reason.TIMEOUT, "unikernel '" + name + "' did not connect to the invocation "
                    + "gateway within " + timeout + ": " + gateway.notConnectedHint(name), null);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof InvocationException ie) {
                throw new InvocationException(ie.reason(), ie.getMessage(), ie.exitInfo().orElse(null));
            }
            throw new InvocationException(Reason.DISCONNECTED, "waiting for unikernel '" + name + "' failed: " + e.getCause(), null);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InvocationException(Reason.CLOSED, "interrupted while waiting for unikernel '" + name + "'", null);
        }
    }

    @Override
    public synchronized boolean isConnected() {
        return connection != null && connection.isOpen();
    }

    @Override
    public synchronized int pending() {
        return pending.size() + orphans.size();
    }

    @Override
    public long lateReplies() {
        return lateReplies.get();
    }

    /** At most 80 characters, control characters replaced, so input from the network is safe in a log line. */
    static String abbreviate(String text) {
        if (text == null) {
            return "null";
        }
        String shown = text.length() <= 80 ? text : text.substring(0, 77) + "...";
        StringBuilder safe = new StringBuilder(shown.length());
        shown.codePoints().forEach(c -> safe.appendCodePoint(Escaping.isTerminalUnsafe(c) ? '?' : c));
        return safe.toString();
    }
}
