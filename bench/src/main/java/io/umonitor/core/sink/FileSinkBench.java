package io.umonitor.core.sink;

import io.umonitor.api.GuestClock;
import io.umonitor.api.LogLevel;
import io.umonitor.api.LogOrigin;
import io.umonitor.api.LogRecord;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The file sink's share of a record (in the sink's package, for the package-private text encoder):
 * {@code textEncode} renders one line, {@code fileSinkAccept} renders it and appends it to the
 * sender's file buffer (written out in 32 KiB blocks, flushed once per 1,000 records like a drained
 * queue would), over {@code senders} files round-robin in runs of 64 like a collector round delivers.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class FileSinkBench {
    static final int BATCH = 1000;

    @Param({"1", "256"})
    public int senders;

    private LogRecord[] records;
    private TextLineEncoder text;
    private FileSink sink;
    private Path dir;

    @Setup(Level.Trial)
    public void setUp() throws IOException {
        Instant now = Instant.now();
        records = new LogRecord[BATCH];
        for (int i = 0; i < BATCH; i++) {
            String name = String.format("src%03d", (i / 64) % senders);
            records[i] = new LogRecord(name, LogOrigin.TCP, i, GuestClock.WALL, 1_764_000_000_000_000_000L + i, now,
                    LogLevel.INFO, name, String.format("seq=%010d ", i) + "x".repeat(56), List.of());
        }
        text = new TextLineEncoder();
        dir = Files.createTempDirectory("umonitor-jmh-filesink-");
        sink = new FileSink(dir, FileSink.Format.TEXT, 0, 0).open();
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
        sink.close();
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public int textEncode() {
        int n = 0;
        for (LogRecord r : records) {
            text.encode(r);
            n += text.len;
        }
        return n;
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public void fileSinkAccept() {
        for (LogRecord r : records) {
            sink.accept(r);
        }
        sink.flush();
    }
}
