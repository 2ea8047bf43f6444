package io.umonitor.protocol.testing;

import io.umonitor.protocol.ConsoleDecoder;
import io.umonitor.protocol.Datagram;
import io.umonitor.protocol.DatagramDecoder;
import io.umonitor.protocol.Frame;
import io.umonitor.protocol.FrameProtocolException;
import io.umonitor.protocol.Goodbye;
import io.umonitor.protocol.Hello;
import io.umonitor.protocol.RecordFrame;
import io.umonitor.protocol.TcpStreamDecoder;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;

/**
 * A test collector for log clients in other languages: receives frames on 127.0.0.1 over TCP or UDP
 * (port 0, so tests never clash) or from a guest's console output, decodes them with the real Java
 * codec, and lets the test wait for what it expects with a deadline instead of sleeping.
 *
 * <pre>{@code
 * try (LoopbackReceiver rx = LoopbackReceiver.tcp()) {
 *     Process p = new ProcessBuilder(sender).start();    // env UMONITOR_TCP = rx.address()
 *     Goodbye bye = rx.awaitGoodbye(Duration.ofSeconds(20));
 *     assertEquals(List.of(), rx.errors());
 *     List<RecordFrame> records = rx.records();
 * }
 * }</pre>
 *
 * <p>Every frame is kept in arrival order, HELLOs included (one per TCP connection or datagram, one per
 * console if the guest sends one). Protocol errors are collected, never thrown on a receiving thread.
 * Thread-safe; {@link #close()} is idempotent.
 */
public final class LoopbackReceiver implements AutoCloseable {
    /** Which transport this receiver listens on. */
    public enum Transport { TCP, UDP, CONSOLE }

    private final Transport transport;
    private final ServerSocket server;
    private final DatagramSocket datagrams;
    private final List<Frame> frames = new ArrayList<>();
    private final List<String> consoleText = new CopyOnWriteArrayList<>();
    private final List<FrameProtocolException> errors = new CopyOnWriteArrayList<>();
    private final List<Socket> connections = new CopyOnWriteArrayList<>();
    private final List<Thread> threads = new CopyOnWriteArrayList<>();
    private volatile boolean closed;

    private LoopbackReceiver(Transport transport) throws IOException {
        this.transport = transport;
        InetAddress loopback = InetAddress.getLoopbackAddress();
        switch (transport) {
            case TCP -> {
                server = new ServerSocket(0, 50, loopback);
                datagrams = null;
                start("accept", this::acceptLoop);
            }
            case UDP -> {
                server = null;
                datagrams = new DatagramSocket(new InetSocketAddress(loopback, 0));
                datagrams.setReceiveBufferSize(1 << 20);
                start("udp", this::datagramLoop);
            }
            default -> {
                server = null;
                datagrams = null;
            }
        }
    }

    /** A receiver listening for TCP connections on 127.0.0.1, an ephemeral port. */
    public static LoopbackReceiver tcp() {
        return create(Transport.TCP);
    }

    /** A receiver for UDP datagrams on 127.0.0.1, an ephemeral port. */
    public static LoopbackReceiver udp() {
        return create(Transport.UDP);
    }

    /** A receiver for console output: hand it a stream with {@link #readConsole(InputStream)}. */
    public static LoopbackReceiver console() {
        return create(Transport.CONSOLE);
    }

    private static LoopbackReceiver create(Transport transport) {
        try {
            return new LoopbackReceiver(transport);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open a " + transport + " socket on 127.0.0.1", e);
        }
    }

    public Transport transport() {
        return transport;
    }

    /** The local port; 0 for a console receiver. */
    public int port() {
        return switch (transport) {
            case TCP -> server.getLocalPort();
            case UDP -> datagrams.getLocalPort();
            case CONSOLE -> 0;
        };
    }

    /** {@code 127.0.0.1:port}, the form UMONITOR_TCP / UMONITOR_UDP take. */
    public String address() {
        return InetAddress.getLoopbackAddress().getHostAddress() + ":" + port();
    }

    /**
     * Reads console lines from {@code output} (a guest's stdout) on a background thread until it ends:
     * {@code @UM1:} lines are decoded, everything else (and bad frame lines) goes to {@link #consoleText()}.
     */
    public void readConsole(InputStream output) {
        start("console", () -> {
            ConsoleDecoder decoder = new ConsoleDecoder();
            try (BufferedReader in = new BufferedReader(new InputStreamReader(output, StandardCharsets.UTF_8))) {
                String line;
                while ((line = in.readLine()) != null) {
                    try {
                        Optional<Frame> frame = decoder.decodeLine(line);
                        if (frame.isPresent()) {
                            add(List.of(frame.get()));
                        } else {
                            consoleText.add(line);
                        }
                    } catch (FrameProtocolException e) {
                        errors.add(e);
                        consoleText.add(line);
                    }
                }
            } catch (IOException e) {
                if (!closed) {
                    throw new UncheckedIOException(e);
                }
            }
        });
    }

    /** Every frame so far, in arrival order. */
    public synchronized List<Frame> frames() {
        return List.copyOf(frames);
    }

    public List<RecordFrame> records() {
        return framesOf(RecordFrame.class);
    }

    public List<Hello> hellos() {
        return framesOf(Hello.class);
    }

    public List<Goodbye> goodbyes() {
        return framesOf(Goodbye.class);
    }

    /** Console lines that were ordinary text (or bad frame lines), in order. */
    public List<String> consoleText() {
        return List.copyOf(consoleText);
    }

    /** Protocol errors the decoders reported (a TCP connection is closed after its error). */
    public List<FrameProtocolException> errors() {
        return List.copyOf(errors);
    }

    /**
     * Waits until a GOODBYE has arrived.
     *
     * @throws AssertionError naming what did arrive when none comes within {@code timeout}
     */
    public Goodbye awaitGoodbye(Duration timeout) {
        await(f -> f.stream().anyMatch(Goodbye.class::isInstance), timeout, "a GOODBYE");
        return goodbyes().get(0);
    }

    /** Waits until at least {@code count} records have arrived; throws AssertionError on timeout. */
    public List<RecordFrame> awaitRecords(int count, Duration timeout) {
        await(f -> f.stream().filter(RecordFrame.class::isInstance).count() >= count, timeout, count + " records");
        return records();
    }

    private synchronized void await(Predicate<List<Frame>> done, Duration timeout, String what) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!done.test(frames)) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                throw new AssertionError("no " + what + " within " + timeout + " on " + transport + " " + address()
                        + ": got " + frames.size() + " frames, errors " + errors + ", console text " + consoleText);
            }
            try {
                wait(Math.max(1, left / 1_000_000));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted while waiting for " + what, e);
            }
        }
    }

    private synchronized void add(List<? extends Frame> more) {
        frames.addAll(more);
        notifyAll();
    }

    private <T extends Frame> List<T> framesOf(Class<T> type) {
        return frames().stream().filter(type::isInstance).map(type::cast).toList();
    }

    private void start(String name, Runnable body) {
        Thread t = new Thread(() -> {
            try {
                body.run();
            } catch (RuntimeException e) {
                if (!closed) {
                    throw e;
                }
            }
        }, "loopback-receiver-" + name);
        t.setDaemon(true);
        threads.add(t);
        t.start();
    }

    private void acceptLoop() {
        while (!closed) {
            try {
                Socket s = server.accept();
                connections.add(s);
                start("tcp-" + s.getPort(), () -> readConnection(s));
            } catch (IOException e) {
                if (!closed) {
                    throw new UncheckedIOException(e);
                }
            }
        }
    }

    private void readConnection(Socket socket) {
        TcpStreamDecoder decoder = new TcpStreamDecoder();
        ByteBuffer buffer = ByteBuffer.allocate(2 * 65_536);
        byte[] chunk = new byte[16_384];
        try (socket; InputStream in = socket.getInputStream()) {
            int n;
            while ((n = in.read(chunk)) >= 0) {
                buffer.put(chunk, 0, n);
                buffer.flip();
                List<Frame> decoded = new ArrayList<>();
                try {
                    Frame f;
                    while ((f = decoder.decode(buffer)) != null) {
                        decoded.add(f);
                    }
                } catch (FrameProtocolException e) {
                    add(decoded);
                    errors.add(e);
                    return;  // a stream cannot be resynchronised: close, as a real receiver does
                }
                add(decoded);
                buffer.compact();
            }
            buffer.flip();
            try {
                decoder.endOfInput(buffer);
            } catch (FrameProtocolException e) {
                errors.add(e);
            }
        } catch (SocketException e) {
            // closed by close() or reset by the peer: what was decoded stays
        } catch (IOException e) {
            if (!closed) {
                throw new UncheckedIOException(e);
            }
        }
    }

    private void datagramLoop() {
        DatagramDecoder decoder = new DatagramDecoder();
        byte[] data = new byte[65_536];
        while (!closed) {
            DatagramPacket packet = new DatagramPacket(data, data.length);
            try {
                datagrams.receive(packet);
            } catch (IOException e) {
                if (!closed) {
                    throw new UncheckedIOException(e);
                }
                return;
            }
            try {
                Datagram d = decoder.decode(ByteBuffer.wrap(data, 0, packet.getLength()));
                List<Frame> all = new ArrayList<>(1 + d.frames().size());
                all.add(d.hello());
                all.addAll(d.frames());
                add(all);
            } catch (FrameProtocolException e) {
                errors.add(e);
            }
        }
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            if (server != null) {
                server.close();
            }
            if (datagrams != null) {
                datagrams.close();
            }
            for (Socket s : connections) {
                s.close();
            }
        } catch (IOException e) {
            // closing: nothing left to report to
        }
        for (Thread t : threads) {
            try {
                t.join(2_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }
}
