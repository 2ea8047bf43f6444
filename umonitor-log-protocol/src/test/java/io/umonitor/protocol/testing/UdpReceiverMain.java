package io.umonitor.protocol.testing;

import io.umonitor.protocol.Datagram;
import io.umonitor.protocol.DatagramDecoder;
import io.umonitor.protocol.Frame;
import io.umonitor.protocol.FrameProtocolException;
import io.umonitor.protocol.Goodbye;
import io.umonitor.protocol.Hello;
import io.umonitor.protocol.RecordFrame;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * A UDP collector as a separate JVM, for tests that need the receiver inside a network namespace
 * ({@code ip netns exec NS java -cp ... UdpReceiverMain 10.77.0.1}): binds an ephemeral port on the
 * given address and prints, one line each, {@code LISTENING port}, then per decoded frame
 * {@code HELLO name session}, {@code RECORD seq<TAB>level<TAB>message<TAB>attributes},
 * {@code GOODBYE produced dropped reason}, or {@code ERROR code message}. A line {@code ping host port}
 * on standard input sends a datagram there and prints {@code PINGED}; end of input exits.
 */
public final class UdpReceiverMain {
    private UdpReceiverMain() {
    }

    public static void main(String[] args) throws Exception {
        PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
        try (DatagramSocket socket = new DatagramSocket(new InetSocketAddress(InetAddress.getByName(args[0]), 0))) {
            out.println("LISTENING " + socket.getLocalPort());
            Thread receiver = new Thread(() -> receive(socket, out), "udp-receiver");
            receiver.setDaemon(true);
            receiver.start();
            BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
            String line;
            while ((line = in.readLine()) != null) {
                String[] words = line.trim().split(" ");
                if (words.length == 3 && words[0].equals("ping")) {
                    byte[] ping = "ping".getBytes(StandardCharsets.US_ASCII);
                    socket.send(new DatagramPacket(ping, ping.length, InetAddress.getByName(words[1]),
                            Integer.parseInt(words[2])));
                    out.println("PINGED");
                }
            }
        }
    }

    private static void receive(DatagramSocket socket, PrintStream out) {
        DatagramDecoder decoder = new DatagramDecoder();
        byte[] data = new byte[65_536];
        while (!socket.isClosed()) {
            DatagramPacket packet = new DatagramPacket(data, data.length);
            try {
                socket.receive(packet);
            } catch (java.io.IOException e) {
                return;
            }
            try {
                Datagram d = decoder.decode(ByteBuffer.wrap(data, 0, packet.getLength()));
                print(out, d.hello());
                d.frames().forEach(f -> print(out, f));
            } catch (FrameProtocolException e) {
                out.println("ERROR " + e.errorCode() + " " + e.getMessage());
            }
        }
    }

    private static void print(PrintStream out, Frame frame) {
        if (frame instanceof Hello h) {
            out.println("HELLO " + h.name() + " " + h.session());
        } else if (frame instanceof RecordFrame r) {
            out.println("RECORD " + r.sequence() + "\t" + r.level() + "\t" + r.message() + "\t" + r.attributes());
        } else if (frame instanceof Goodbye g) {
            out.println("GOODBYE " + g.produced() + " " + g.dropped() + " " + g.reason());
        }
    }
}
