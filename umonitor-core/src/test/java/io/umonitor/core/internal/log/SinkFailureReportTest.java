package io.umonitor.core.internal.log;

import io.umonitor.testkit.RecordingSink;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.umonitor.api.LogOrigin;
import io.umonitor.api.LogRecord;
import io.umonitor.api.CollectorEndpoint.Transport;
import io.umonitor.api.spi.LogSink;
import io.umonitor.core.sink.RecordsLostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A sink that buffers in accept and fails in flush, as a file on a full disk does: its failure is reported at
 * most once per report interval, never into itself, "stores again" only after a flush that wrote records, and
 * every record is stored or counted dropped exactly once.
 */
@Timeout(60)
class SinkFailureReportTest {
    private static final Duration WAIT = Duration.ofSeconds(20);
    private static final Duration INTERVAL = Duration.ofMillis(100);

    /** Buffers records; flush stores them, or loses them all with a RecordsLostException while failing. */
    static final class BufferingSink implements LogSink {
        private final List<LogRecord> buffered = new ArrayList<>();
        private final List<LogRecord> stored = new ArrayList<>();
        volatile boolean failing;
        volatile int accepted;

        @Override
        public String id() {
            return "buffering";
        }

        @Override
        public synchronized void accept(LogRecord record) {
            accepted++;
            buffered.add(record);
        }

        @Override
        public synchronized void flush() {
            if (buffered.isEmpty()) {
                return;
            }
            if (failing) {
                int n = buffered.size();
                String name = buffered.get(0).unikernel();
                buffered.clear();
                throw new RecordsLostException(name, n, "no space left (simulated)", null);
            }
            stored.addAll(buffered);
            buffered.clear();
        }

        synchronized List<LogRecord> stored() {
            return new ArrayList<>(stored);
        }
    }

    @Test
    void failuresAreReportedOncePerIntervalNeverIntoTheFailingSinkAndRecoveryOnlyAfterARealWrite() throws Exception {
        BufferingSink failing = new BufferingSink();
        RecordingSink other = new RecordingSink("other");
        failing.failing = true;
        try (DefaultLogHub hub = DefaultLogHub.start(LogHubSettings.defaults().withReportInterval(INTERVAL),
                List.of(failing, other))) {
            String token = String.format("%032x", 5);
            hub.registerSender("s", token);
            long start = System.nanoTime();
            for (int round = 0; round < 20; round++) {
                TestSenders.sendTcp(TestSenders.endpoint(hub, Transport.TCP), "s", token, 500);
            }
            TestSenders.await("every record in the other sink", WAIT, () -> other.count("s", LogOrigin.TCP) == 10_000);
            TestSenders.await("every TCP record counted dropped", WAIT, () -> hub.stats("s").dropped() == 10_000);
            long accepted = failing.accepted;
            // Several report intervals pass with the sink still failing and nothing new sent.
            Thread.sleep(5 * INTERVAL.toMillis()); // the quiet period being checked, not a wait for a condition
            assertEquals(accepted, failing.accepted, "no report about the failing sink was fed into it");
            assertEquals(10_000, hub.stats("s").dropped(), "each lost record counted once");
            assertTrue(other.records(r -> r.message().contains("stores records again")).isEmpty(),
                    "no recovery while every flush fails");
            long intervals = (System.nanoTime() - start) / INTERVAL.toNanos() + 1;
            long reports = other.records(r -> r.origin() == LogOrigin.MONITOR && r.message().contains("'buffering' failed"))
                    .size();
            assertTrue(reports >= 1 && reports <= intervals + 1, reports + " failure reports in " + intervals
                    + " intervals");

            failing.failing = false;
            TestSenders.sendTcp(TestSenders.endpoint(hub, Transport.TCP), "s", token, 10);
            TestSenders.await("the recovery reported once a flush wrote", WAIT, () -> !other.records(r ->
                    r.message().contains("stores records again")).isEmpty());
            assertEquals(10, failing.stored().stream().filter(r -> r.origin() == LogOrigin.TCP).count());
            assertEquals(10_000, hub.stats("s").dropped());
        }
    }
}
