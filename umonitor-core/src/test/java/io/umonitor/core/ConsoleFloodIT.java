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
import io.umonitor.core.internal.ManagedUnikernel;
import java.nio.file.Path;
import java.time.Duration;
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
            String line = "c".repeat(99);
            long start = System.nanoTime();
            UnikernelHandle handle = monitor.launch(UnikernelSpec.builder("flood", Path.of("/bin/sh"))
                    .argument("-c").argument("yes " + line + " | head -n 500000").build());
            ManagedUnikernel managed = (ManagedUnikernel) handle;
            long pid = awaitPid(managed);
            ProcessHandle process = ProcessHandle.of(pid).orElse(null);
            if (process != null) {
                process.onExit().get(60, TimeUnit.SECONDS);
            }
            ExitInfo exit = handle.termination().get(60, TimeUnit.SECONDS);
            long tookMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            System.out.printf("ConsoleFloodIT: 500000 lines (50 MB) with a stalled sink: guest ended after %d ms, "
                    + "%d records dropped%n", tookMillis, monitor.logStats("flood").dropped());
            assertEquals(ExitClassification.NORMAL, exit.classification());
            assertEquals(0, sink.accepted.get(), "the sink was stuck the whole time");
            assertTrue(monitor.logStats("flood").dropped() > 0, "overflow must be counted: " + monitor.logStats("flood"));
            assertEquals(line, exit.lastConsoleLines().get(exit.lastConsoleLines().size() - 1));
            sink.release.countDown();
        }
    }

    private static long awaitPid(ManagedUnikernel unikernel) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (unikernel.pid().isEmpty()) {
            if (unikernel.termination().isDone()) {
                return -1;
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("no pid within 20 s");
            }
            Thread.sleep(5);
        }
        return unikernel.pid().getAsLong();
    }
}
