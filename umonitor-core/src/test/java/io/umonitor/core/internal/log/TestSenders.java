package io.umonitor.core.internal.log;

import io.umonitor.api.Attribute;
import io.umonitor.api.LogLevel;
import io.umonitor.api.spi.CollectorEndpoint;
import io.umonitor.protocol.FrameEncoder;
import io.umonitor.protocol.Goodbye;
import io.umonitor.protocol.Hello;
import io.umonitor.protocol.RecordFrame;
import io.umonitor.testkit.Await;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;

/** Log clients written in Java with the protocol's encoder, for tests over real loopback sockets. */
final class TestSenders {
    private TestSenders() {
    }

    static Hello hello(String name, String token, long session) {
        return new Hello(name, token, "java-test", "0", session);
    }

    static RecordFrame record(long sequence, String message) {
        return new RecordFrame(sequence, io.umonitor.api.GuestClock.WALL, System.currentTimeMillis() * 1_000_000L,
                LogLevel.INFO, "test", message, List.of(Attribute.of("seq", sequence)));
    }

    static InetSocketAddress endpoint(DefaultLogHub hub, CollectorEndpoint.Transport transport) {
        return hub.loopbackEndpoints().stream().filter(e -> e.transport() == transport).findFirst().orElseThrow()
                .address();
    }

    /** Sends a HELLO, {@code count} records named "NAME:i" and a GOODBYE over one TCP connection. */
    static void sendTcp(InetSocketAddress to, String name, String token, int count) throws IOException {
        FrameEncoder encoder = new FrameEncoder();
        try (Socket socket = new Socket(to.getAddress(), to.getPort())) {
            OutputStream out = new BufferedOutputStream(socket.getOutputStream(), 64 * 1024);
            out.write(encoder.encode(hello(name, token, 42)));
            for (int i = 0; i < count; i++) {
                out.write(encoder.encode(record(i, name + ":" + i)));
            }
            out.write(encoder.encode(new Goodbye(count, 0, "exit")));
            out.flush();
            socket.shutdownOutput();
            // Wait for the collector to close its side, so everything sent has been read.
            socket.setSoTimeout(30_000);
            while (socket.getInputStream().read() >= 0) {
                // the collector never sends anything
            }
        }
    }

    /** Sends records in datagrams of {@code perDatagram}; datagrams whose index {@code skip} selects are not sent. */
    static int sendUdp(InetSocketAddress to, String name, String token, int count, int perDatagram,
            java.util.function.IntPredicate skip) throws IOException {
        FrameEncoder encoder = new FrameEncoder();
        Hello hello = hello(name, token, 7);
        int skippedRecords = 0;
        try (DatagramSocket socket = new DatagramSocket()) {
            int index = 0;
            for (int start = 0; start < count; start += perDatagram, index++) {
                List<RecordFrame> frames = new ArrayList<>();
                for (int i = start; i < Math.min(count, start + perDatagram); i++) {
                    frames.add(record(i, name + ":" + i));
                }
                if (skip.test(index)) {
                    skippedRecords += frames.size();
                    continue;
                }
                byte[] datagram = encoder.encodeDatagram(hello, frames);
                socket.send(new DatagramPacket(datagram, datagram.length, to));
            }
        }
        return skippedRecords;
    }

    static void await(String what, Duration timeout, BooleanSupplier condition) {
        Await.until(what, timeout, condition);
    }
}
