package io.umonitor.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.umonitor.api.Attribute;
import io.umonitor.api.ExitClassification;
import io.umonitor.api.ExitInfo;
import io.umonitor.api.GuestClock;
import io.umonitor.api.LogFilter;
import io.umonitor.api.LogLevel;
import io.umonitor.api.LogOrigin;
import io.umonitor.api.LogRecord;
import io.umonitor.api.UnikernelHandle;
import io.umonitor.api.UnikernelSpec;
import io.umonitor.core.backend.process.ProcessBackend;
import io.umonitor.protocol.FrameEncoder;
import io.umonitor.protocol.Goodbye;
import io.umonitor.protocol.Hello;
import io.umonitor.protocol.RecordFrame;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Console transport fuzzing through a real process: a guest prints 3,000 console lines (intact and
 * mutated console-encoded frames, raw invalid UTF-8, terminal escapes) and the monitor turns every line
 * into exactly one console record, decoded or kept as text, counting the bad frames, without failing.
 * The seed is printed; rerun one with {@code -Dumonitor.fuzz.seed=N}.
 */
@Timeout(60)
class ConsoleFuzzIT {
    private static final long SEED = Long.getLong("umonitor.fuzz.seed", System.nanoTime());

    @TempDir
    Path dir;

    private static byte[] mutate(byte[] in, Random rnd) {
        byte[] b = in.clone();
        for (int ops = 1 + rnd.nextInt(3); ops > 0; ops--) {
            int at = rnd.nextInt(b.length);
            switch (rnd.nextInt(4)) {
                case 0 -> b[at] ^= (byte) (1 << rnd.nextInt(8));
                case 1 -> b[at] = (byte) rnd.nextInt(256);
                case 2 -> b = java.util.Arrays.copyOf(b, Math.max(1, at));
                default -> b[at] = new byte[] {(byte) 0xc3, (byte) 0xff, 0x1b, (byte) 0x80, '='}[rnd.nextInt(5)];
            }
        }
        for (int i = 0; i < b.length; i++) {
            if (b[i] == '\n' || b[i] == '\r') {
                b[i] = '#'; // one printed line stays one line
            }
        }
        return b;
    }

    @Test
    void everyMutatedConsoleLineOfARealGuestBecomesExactlyOneRecord() throws Exception {
        System.out.println("ConsoleFuzzIT seed " + SEED + " (rerun with -Dumonitor.fuzz.seed=" + SEED + ")");
        Random rnd = new Random(SEED);
        FrameEncoder encoder = new FrameEncoder();
        ByteArrayOutputStream text = new ByteArrayOutputStream();
        int lines = 3000;
        int intactRecords = 0;
        for (int i = 0; i < lines; i++) {
            RecordFrame record = new RecordFrame(i, GuestClock.MONOTONIC, i, LogLevel.INFO, "fz", "console record " + i,
                    List.of(Attribute.of("i", i)));
            byte[] line = switch (rnd.nextInt(6)) {
                case 0 -> encoder.encodeConsoleLine(new Hello("fuzzed", "", "fuzzer", "1", rnd.nextInt(3)))
                        .getBytes(StandardCharsets.US_ASCII);
                case 1 -> encoder.encodeConsoleLine(new Goodbye(i, 0, "exit")).getBytes(StandardCharsets.US_ASCII);
                case 2, 3 -> mutate(encoder.encodeConsoleLine(record).getBytes(StandardCharsets.US_ASCII), rnd);
                case 4 -> mutate(("plain \u001b[31mred\u001b[0m text " + i).getBytes(StandardCharsets.UTF_8), rnd);
                default -> {
                    intactRecords++;
                    yield encoder.encodeConsoleLine(record).getBytes(StandardCharsets.US_ASCII);
                }
            };
            text.write(line);
            text.write('\n');
        }
        Path file = dir.resolve("console.txt");
        Files.write(file, text.toByteArray());
        try (Monitor monitor = Monitor.builder().discoverProviders(false).backend(new ProcessBackend())
                .stateDirectory(dir.resolve("state")).workDirectory(dir.resolve("work")).build()) {
            UnikernelHandle handle = monitor.launch(UnikernelSpec.builder("fuzzed", Path.of("/bin/cat"))
                    .argument(file.toString()).build());
            ExitInfo exit = handle.termination().get(30, TimeUnit.SECONDS);
            assertEquals(ExitClassification.NORMAL, exit.classification(), exit.toString());
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            List<LogRecord> console;
            do {
                console = monitor.logs("fuzzed", LogFilter.ALL).stream().filter(r -> r.origin() == LogOrigin.CONSOLE)
                        .toList();
            } while (console.size() < lines && System.nanoTime() < deadline && sleep());
            assertEquals(lines, console.size(), "one console record per printed line");
            assertEquals(lines, handle.logStats().received());
            long decoded = console.stream().filter(r -> r.message().startsWith("console record ")
                    && r.logger().equals("fz")).count();
            assertTrue(decoded >= intactRecords, decoded + " decoded, " + intactRecords + " intact");
            assertTrue(handle.logStats().rejected() > 0, "bad frames are counted: " + handle.logStats());
        }
    }

    private static boolean sleep() {
        try {
            Thread.sleep(20);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return true;
    }
}
