package io.umonitor.rumprun;

import io.umonitor.api.CollectorEndpoint;
import io.umonitor.protocol.Datagram;
import io.umonitor.protocol.DatagramDecoder;
import io.umonitor.protocol.Frame;
import io.umonitor.protocol.FrameProtocolException;
import io.umonitor.protocol.Goodbye;
import io.umonitor.protocol.Hello;
import io.umonitor.protocol.RecordFrame;
import io.umonitor.protocol.TcpStreamDecoder;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * A plain protocol v1 receiver for the tests (UDP and TCP on one address, port 0), decoding with the
 * Java codec. Run as a program ({@link #main}) it works inside a network namespace, where this JVM cannot
 * go: it prints {@code PORTS udp tcp}, then one tab-separated line per frame, until its stdin closes.
 */
final class TestCollector implements AutoCloseable {

    /** One decoded frame and the HELLO of the datagram or connection that carried it. */
    record Received(String transport, String name, String token, Frame frame) {
        String line() {
            String detail;
            if (frame instanceof RecordFrame r) {
                detail = "RECORD\t" + r.sequence() + "\t" + r.level() + "\t" + r.message();
            } else if (frame instanceof Goodbye g) {
                detail = "GOODBYE\t" + g.produced() + "\t" + g.dropped() + "\t" + g.reason();
            } else {
                detail = "HELLO\t\t\t";
            }
            return "FRAME\t" + transport + "\t" + name + "\t" + token + "\t" + detail;
        }
    }

    private final DatagramSocket udp;
    private final ServerSocket tcp;
    private final InetAddress address;
    final List<Received> received = new CopyOnWriteArrayList<>();
    final List<String> errors = new CopyOnWriteArrayList<>();
    private final Consumer<Received> listener;

    TestCollector(InetAddress address, Consumer<Received> listener) throws IOException {
        this.address = address;
        this.listener = listener;
        udp = new DatagramSocket(new InetSocketAddress(address, 0));
        tcp = new ServerSocket(0, 50, address);
        daemon("test-collector-udp", this::receiveDatagrams);
        daemon("test-collector-tcp", this::acceptConnections);
    }

    int udpPort() {
        return udp.getLocalPort();
    }

    int tcpPort() {
        return tcp.getLocalPort();
    }

    List<CollectorEndpoint> endpoints(String networkDevice) {
        return List.of(
                new CollectorEndpoint(CollectorEndpoint.Transport.UDP, new InetSocketAddress(address, udpPort()),
                        networkDevice),
                new CollectorEndpoint(CollectorEndpoint.Transport.TCP, new InetSocketAddress(address, tcpPort()),
                        networkDevice));
    }

    private void add(Received r) {
        received.add(r);
        listener.accept(r);
    }

    private void receiveDatagrams() {
        DatagramDecoder decoder = new DatagramDecoder();
        byte[] buffer = new byte[65536];
        while (!udp.isClosed()) {
            DatagramPacket packet = new DatagramPacket(buffer, buffer.length);
            try {
                udp.receive(packet);
            } catch (IOException e) {
                return;
            }
            try {
                Datagram d = decoder.decode(ByteBuffer.wrap(packet.getData(), 0, packet.getLength()));
                add(new Received("udp", d.hello().name(), d.hello().token(), d.hello()));
                d.frames().forEach(f -> add(new Received("udp", d.hello().name(), d.hello().token(), f)));
            } catch (FrameProtocolException e) {
                errors.add("udp: " + e.getMessage());
            }
        }
    }

    private void acceptConnections() {
        while (!tcp.isClosed()) {
            Socket s;
            try {
                s = tcp.accept();
            } catch (IOException e) {
                return;
            }
            daemon("test-collector-conn", () -> readConnection(s));
        }
    }

    private void readConnection(Socket socket) {
        TcpStreamDecoder decoder = new TcpStreamDecoder();
        ByteBuffer buffer = ByteBuffer.allocate(1 << 17);
        try (socket; InputStream in = socket.getInputStream()) {
            byte[] chunk = new byte[8192];
            int n;
            while ((n = in.read(chunk)) >= 0) {
                buffer.put(chunk, 0, n);
                buffer.flip();
                Frame f;
                while ((f = decoder.decode(buffer)) != null) {
                    Hello h = decoder.hello().orElseThrow();
                    add(new Received("tcp", h.name(), h.token(), f));
                }
                buffer.compact();
            }
        } catch (IOException | FrameProtocolException e) {
            errors.add("tcp: " + e);
        }
    }

    private static void daemon(String name, Runnable body) {
        Thread t = new Thread(body, name);
        t.setDaemon(true);
        t.start();
    }

    @Override
    public void close() {
        udp.close();
        try {
            tcp.close();
        } catch (IOException e) {
            // closing a listening socket fails only if it is already closed
        }
    }

    /** {@code TestCollector ADDRESS}: receive on ADDRESS and report on stdout until stdin closes. */
    public static void main(String[] args) throws Exception {
        PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
        try (TestCollector c = new TestCollector(InetAddress.getByName(args[0]), r -> {
            synchronized (out) {
                out.println(r.line());
            }
        })) {
            synchronized (out) {
                out.println("PORTS " + c.udpPort() + " " + c.tcpPort());
            }
            while (System.in.read() >= 0) {
                // runs until the test closes our stdin
            }
        }
    }
}
