package io.umonitor.rumprun.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A minimal client of QEMU's machine protocol over its unix socket: capabilities negotiation, commands
 * ({@code system_powerdown}, {@code quit}) and events ({@code SHUTDOWN} says why the guest ended).
 *
 * <p>Reads and writes go straight to the channel: the stream adapters of {@code Channels} lock the
 * channel for a blocked read and would stall every write behind it.
 */
public final class QmpClient implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(QmpClient.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final SocketChannel channel;
    private final Consumer<JsonNode> events;
    private final Deque<CompletableFuture<JsonNode>> pending = new ArrayDeque<>();
    private final CompletableFuture<Void> closed = new CompletableFuture<>();
    private final ByteArrayOutputStream partial = new ByteArrayOutputStream();
    private final ByteBuffer buffer = ByteBuffer.allocate(8192);

    private QmpClient(SocketChannel channel, Consumer<JsonNode> events) {
        this.channel = channel;
        this.events = events;
    }

    /**
     * Connects and negotiates, polling until QEMU has created and serves the socket.
     *
     * @param keepTrying false once waiting is pointless (QEMU has exited)
     * @return the client, or null when QEMU did not answer within {@code timeout} or {@code keepTrying} turned false
     */
    public static QmpClient connect(Path socket, Duration timeout, BooleanSupplier keepTrying,
            Consumer<JsonNode> events, String threadName) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline && keepTrying.getAsBoolean()) {
            SocketChannel ch = null;
            try {
                ch = SocketChannel.open(StandardProtocolFamily.UNIX);
                ch.connect(UnixDomainSocketAddress.of(socket));
                QmpClient client = new QmpClient(ch, events);
                JsonNode greeting = client.readMessage();
                if (greeting == null || !greeting.has("QMP")) {
                    throw new IOException("no QMP greeting: " + greeting);
                }
                client.write("{\"execute\":\"qmp_capabilities\"}");
                JsonNode answer = client.readMessage();
                if (answer == null || !answer.has("return")) {
                    throw new IOException("qmp_capabilities answered " + answer);
                }
                Thread reader = new Thread(client::readUntilClosed, threadName);
                reader.setDaemon(true);
                reader.start();
                return client;
            } catch (IOException e) {
                if (ch != null) {
                    try {
                        ch.close();
                    } catch (IOException ignored) {
                        // nothing more to do with a failed channel
                    }
                }
                LOG.trace("QMP socket {} not ready: {}", socket, e.toString());
                Thread.sleep(10);
            }
        }
        return null;
    }

    /** Sends a command; the future completes with its answer, or exceptionally when QEMU has gone. */
    public CompletableFuture<JsonNode> execute(String command) {
        CompletableFuture<JsonNode> answer = new CompletableFuture<>();
        synchronized (pending) {
            if (closed.isDone()) {
                answer.completeExceptionally(new IOException("QMP connection closed"));
                return answer;
            }
            pending.addLast(answer);
            try {
                write("{\"execute\":\"" + command + "\"}");
            } catch (IOException e) {
                pending.removeLast();
                answer.completeExceptionally(e);
            }
        }
        return answer;
    }

    /** Waits until QEMU has closed the connection (it has exited), at most {@code timeout}. */
    public void awaitClosed(Duration timeout) {
        try {
            closed.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            LOG.debug("QMP connection still open after {}", timeout);
        }
    }

    @Override
    public void close() {
        try {
            channel.close();
        } catch (IOException e) {
            LOG.debug("closing QMP socket failed", e);
        }
    }

    private void write(String json) throws IOException {
        ByteBuffer out = ByteBuffer.wrap((json + "\n").getBytes(StandardCharsets.UTF_8));
        synchronized (channel) {
            while (out.hasRemaining()) {
                channel.write(out);
            }
        }
    }

    private void readUntilClosed() {
        try {
            JsonNode message;
            while ((message = readMessage()) != null) {
                if (message.has("event")) {
                    try {
                        events.accept(message);
                    } catch (RuntimeException e) {
                        LOG.warn("QMP event handler failed on {}", message, e);
                    }
                } else if (message.has("return") || message.has("error")) {
                    CompletableFuture<JsonNode> answer;
                    synchronized (pending) {
                        answer = pending.pollFirst();
                    }
                    if (answer != null) {
                        answer.complete(message);
                    }
                }
            }
        } catch (IOException e) {
            LOG.debug("QMP connection ended: {}", e.toString());
        } finally {
            synchronized (pending) {
                closed.complete(null);
                pending.forEach(p -> p.completeExceptionally(new IOException("QEMU closed the QMP connection")));
                pending.clear();
            }
            close();
        }
    }

    /** One JSON message (QEMU ends each with CRLF), or null at end of stream. */
    private JsonNode readMessage() throws IOException {
        while (true) {
            byte[] soFar = partial.toByteArray();
            int newline = indexOfNewline(soFar);
            if (newline >= 0) {
                partial.reset();
                partial.write(soFar, newline + 1, soFar.length - newline - 1);
                String line = new String(soFar, 0, newline, StandardCharsets.UTF_8).strip();
                if (!line.isEmpty()) {
                    return JSON.readTree(line);
                }
                continue;
            }
            buffer.clear();
            int n = channel.read(buffer);
            if (n < 0) {
                return null;
            }
            partial.write(buffer.array(), 0, n);
        }
    }

    private static int indexOfNewline(byte[] b) {
        for (int i = 0; i < b.length; i++) {
            if (b[i] == '\n') {
                return i;
            }
        }
        return -1;
    }
}
