package io.umonitor.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.umonitor.api.ExitClassification;
import io.umonitor.api.ExitInfo;
import io.umonitor.api.LogRecord;
import io.umonitor.api.UnikernelHandle;
import io.umonitor.api.UnikernelSpec;
import io.umonitor.api.spi.LogSink;
import io.umonitor.core.backend.process.ProcessBackend;
import io.umonitor.api.LogFilter;
import io.umonitor.api.LogLevel;
import io.umonitor.api.LogOrigin;
import io.umonitor.api.LogStats;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A guest that floods its console while the only sink is stuck must still run to its end: the console
 * is read continuously and the excess is dropped and counted, never pushed back onto the guest.
 */
@Timeout(90)
class ConsoleFloodIT {
    private static final int LINES = 500_000;
    private static final Pattern DROPPED = Pattern.compile("^(\\d+) stdout line\\(s\\) dropped");

    /** A sink that cannot store anything until released, as a hung disk or database would. */
    static final class StalledSink implements LogSink {
        final CountDownLatch release = new CountDownLatch(1);
        final AtomicLong accepted = new AtomicLong();

        @Override
        public String id() {
            return "stalled";
        }

        @Override
        public void accept(LogRecord record) {
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            accepted.incrementAndGet();
        }
    }

    @Test
    void fiftyMegabytesOfConsoleNeverBlockTheGuestWhileTheSinkIsStuck() throws Exception {
        StalledSink sink = new StalledSink();
        try (Monitor monitor = Monitor.builder().discoverProviders(false).backend(new ProcessBackend()).sink(sink)
                .build()) {
            try {
                // Lines the console reader could not hand on are reported by the backend as a WARN note.
                AtomicLong readerDrops = new AtomicLong();
                AtomicLong notes = new AtomicLong();
                // Followed from before the launch (every unikernel, present and future), so no note is missed.
                monitor.follow(null, LogFilter.atLeast(LogLevel.WARN).withText("line(s) dropped"), r -> {
                    Matcher m = DROPPED.matcher(r.message());
                    if (r.unikernel().equals("flood") && r.origin() == LogOrigin.MONITOR && m.find()) {
                        readerDrops.addAndGet(Long.parseLong(m.group(1)));
                        notes.incrementAndGet();
                    }
                });
                String line = "c".repeat(99);
                long start = System.nanoTime();
                UnikernelHandle handle = monitor.launch(UnikernelSpec.builder("flood", Path.of("/bin/sh"))
                        .argument("-c").argument("yes " + line + " | head -n " + LINES).build());
                ExitInfo exit = handle.termination().get(60, TimeUnit.SECONDS);
                long tookMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
                LogStats stats = monitor.logStats("flood");
                System.out.printf("ConsoleFloodIT: %d lines (50 MB) with a stalled sink: guest ended after %d ms; "
                        + "hub received %d, hub dropped %d, console reader dropped %d%n", LINES, tookMillis,
                        stats.received(), stats.dropped(), readerDrops.get());
                assertEquals(ExitClassification.NORMAL, exit.classification());
                assertEquals(0, sink.accepted.get(), "the sink was stuck the whole time");
                assertEquals(line, exit.lastConsoleLines().get(exit.lastConsoleLines().size() - 1));
                // Every line is accounted for: taken by the hub (which counts its own drops) or dropped and
                // reported by the console reader. Received also counts the monitor's own few records.
                long accounted = stats.received() + readerDrops.get();
                assertTrue(accounted >= LINES && accounted <= LINES + notes.get() + 10,
                        "accounted " + accounted + " of " + LINES + " with " + notes.get() + " notes");
                assertTrue(stats.dropped() + readerDrops.get() > 0, "overflow must be counted somewhere: " + stats);
            } finally {
                sink.release.countDown();
            }
        }
    }
}
