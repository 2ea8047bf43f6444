package io.umonitor.bench;

import io.umonitor.api.GuestClock;
import io.umonitor.api.LogLevel;
import io.umonitor.protocol.Frame;
import io.umonitor.protocol.FrameEncoder;
import io.umonitor.protocol.Hello;
import io.umonitor.protocol.RecordFrame;
import io.umonitor.protocol.TcpStreamDecoder;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * The TCP stream decoder on the benchmark's records (about 104-byte RECORD frames, ASCII message, no
 * attributes): nanoseconds per record for frame detection, CRC, body decoding and the RecordFrame.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class DecoderBench {
    static final int RECORDS = 1000;
    private byte[] stream;
    private int helloLength;

    @Setup
    public void setUp() {
        FrameEncoder encoder = new FrameEncoder();
        byte[] hello = encoder.encode(new Hello("src000", "", "loadgen", "1", 42));
        helloLength = hello.length;
        ByteBuffer out = ByteBuffer.allocate(hello.length + RECORDS * 200);
        out.put(hello);
        for (int i = 0; i < RECORDS; i++) {
            String message = String.format("seq=%010d ", i) + "x".repeat(56);
            encoder.encode(new RecordFrame(i, GuestClock.WALL, 1_764_000_000_000_000_000L + i, LogLevel.INFO, "src000",
                    message, List.of()), out);
        }
        stream = java.util.Arrays.copyOf(out.array(), out.position());
    }

    @Benchmark
    @OperationsPerInvocation(RECORDS)
    public void decodeRecord(Blackhole bh) {
        TcpStreamDecoder decoder = new TcpStreamDecoder(65_535);
        ByteBuffer in = ByteBuffer.wrap(stream);
        Frame f;
        while ((f = decoder.decode(in)) != null) {
            bh.consume(f);
        }
    }

    /** The record frame length, for reading the figure per byte. */
    public int recordBytes() {
        return (stream.length - helloLength) / RECORDS;
    }
}
