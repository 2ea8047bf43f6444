package io.umonitor.protocol;

import io.umonitor.api.Attribute;
import io.umonitor.api.AttributeValue;
import io.umonitor.api.GuestClock;
import io.umonitor.api.LogLevel;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * Decode throughput of typical records (not a test; numbers depend on the machine). Run from the module
 * directory after {@code test-compile}:
 * {@code java -cp target/test-classes:target/classes:../umonitor-api/target/classes io.umonitor.protocol.DecodeBenchmark}
 */
public final class DecodeBenchmark {
    private DecodeBenchmark() {
    }

    public static void main(String[] args) {
        int records = args.length > 0 ? Integer.parseInt(args[0]) : 200_000;
        FrameEncoder encoder = new FrameEncoder();
        Hello hello = new Hello("web-1", "3f2a9c0e5b7d41e8a6c2f0b9d4e17a53", "umonitor-c", "0.1.0", 1);
        List<RecordFrame> frames = new ArrayList<>();
        for (int i = 0; i < records; i++) {
            frames.add(new RecordFrame(i, GuestClock.WALL, 1_764_057_600_000_000_000L + i, LogLevel.INFO, "http",
                    "GET /index.html 200 in " + (i % 1000) + " us from 10.0.0." + (i % 250),
                    List.of(Attribute.of("function", "handle_request"), Attribute.of("line", 214),
                            new Attribute("arg.len", new AttributeValue.UInt(i)))));
        }
        ByteArrayOutputStream stream = new ByteArrayOutputStream();
        stream.writeBytes(encoder.encode(hello));
        frames.forEach(f -> stream.writeBytes(encoder.encode(f)));
        byte[] tcp = stream.toByteArray();
        List<byte[]> datagrams = new ArrayList<>();
        for (int i = 0; i < records; i += 10) {
            datagrams.add(encoder.encodeDatagram(hello, frames.subList(i, Math.min(records, i + 10))));
        }
        List<String> lines = new ArrayList<>();
        frames.forEach(f -> lines.add(encoder.encodeConsoleLine(f)));
        System.out.printf("%,d records, %d bytes each on average over TCP%n", records, tcp.length / records);
        com.sun.management.ThreadMXBean threads =
                (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
        for (int round = 0; round < 8; round++) {
            long a0 = threads.getCurrentThreadAllocatedBytes();
            long t0 = threads.getCurrentThreadCpuTime();
            int n = 0;
            TcpStreamDecoder decoder = new TcpStreamDecoder();
            ByteBuffer buffer = ByteBuffer.allocate(65_536);
            for (int at = 0; at < tcp.length; ) {
                int chunk = Math.min(buffer.remaining(), tcp.length - at);
                buffer.put(tcp, at, chunk).flip();
                at += chunk;
                while (decoder.decode(buffer) != null) {
                    n++;
                }
                buffer.compact();
            }
            long t1 = threads.getCurrentThreadCpuTime();
            long a1 = threads.getCurrentThreadAllocatedBytes();
            DatagramDecoder udp = new DatagramDecoder();
            int m = 0;
            for (byte[] d : datagrams) {
                m += udp.decode(ByteBuffer.wrap(d)).frames().size();
            }
            long t2 = threads.getCurrentThreadCpuTime();
            ConsoleDecoder console = new ConsoleDecoder();
            int c = 0;
            for (String line : lines) {
                c += console.decodeLine(line).isPresent() ? 1 : 0;
            }
            long t3 = threads.getCurrentThreadCpuTime();
            System.out.printf("round %d, per CPU-second of the decoding thread: TCP %,.0f records/s (%d, %d bytes "
                    + "allocated per record), UDP (10 per datagram) %,.0f records/s (%d), console %,.0f records/s (%d)%n",
                    round, (n - 1) / ((t1 - t0) / 1e9), n - 1, (a1 - a0) / n, m / ((t2 - t1) / 1e9), m,
                    c / ((t3 - t2) / 1e9), c);
        }
    }
}
