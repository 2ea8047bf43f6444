package io.umonitor.testkit;

import io.umonitor.api.LogOrigin;
import io.umonitor.api.LogRecord;
import io.umonitor.api.spi.LogSink;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;

/**
 * A {@link LogSink} that keeps every record it is given, for assertions; on request slow (to fill the
 * monitor's queues) or failing (a simulated full disk, to see the loss counted). Thread-safe to read
 * while the monitor feeds it.
 *
 * @since 0.2
 */
public class RecordingSink implements LogSink {
    private final String id;
    private final List<LogRecord> records = new ArrayList<>();
    private final AtomicInteger flushes = new AtomicInteger();
    private volatile long delayNanosPerRecord;
    private volatile RuntimeException failure;
    private volatile CountDownLatch gate;
    private volatile long gateDeadlineNanos;
    private volatile boolean waitingAtGate;

    /** @param id the sink id the monitor knows it by */
    public RecordingSink(String id) {
        this.id = Objects.requireNonNull(id, "id");
    }

    @Override
    public String id() {
        return id;
    }

    @Override
    public void accept(LogRecord record) {
        CountDownLatch g = gate;
        if (g != null) {
            waitingAtGate = true;
            try {
                g.await(Math.max(0, gateDeadlineNanos - System.nanoTime()), TimeUnit.NANOSECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                waitingAtGate = false;
            }
        }
        RuntimeException fail = failure;
        if (fail != null) {
            throw fail;
        }
        long delay = delayNanosPerRecord;
        if (delay > 0) {
            // Busy for the given time, like a sink doing work; a sleep would be far coarser than microseconds.
            long end = System.nanoTime() + delay;
            while (System.nanoTime() - end < 0) {
                Thread.onSpinWait();
            }
        }
        synchronized (records) {
            records.add(record);
        }
    }

    @Override
    public void flush() {
        flushes.incrementAndGet();
    }

    /** Makes every following {@link #accept} take {@code perRecord} (zero: full speed again). */
    public void delayEachRecord(Duration perRecord) {
        delayNanosPerRecord = perRecord.toNanos();
    }

    /**
     * Makes the next {@link #accept} wait, like a sink stuck on a hung disk or server, until {@link #unblock}
     * or until {@code atMost} has passed since this call; the record is then kept as usual.
     */
    public void blockFor(Duration atMost) {
        gateDeadlineNanos = System.nanoTime() + atMost.toNanos();
        gate = new CountDownLatch(1);
    }

    /** Ends {@link #blockFor}: the waiting {@link #accept} and all later ones go on at once. */
    public void unblock() {
        CountDownLatch g = gate;
        gate = null;
        if (g != null) {
            g.countDown();
        }
    }

    /** Whether an {@link #accept} is waiting in {@link #blockFor} right now. */
    public boolean isBlocked() {
        return waitingAtGate;
    }

    /** Makes every following {@link #accept} throw {@code failure} (null: accept again). */
    public void failWith(RuntimeException failure) {
        this.failure = failure;
    }

    /** Every record so far, in the order accepted. */
    public List<LogRecord> records() {
        synchronized (records) {
            return new ArrayList<>(records);
        }
    }

    /** The records so far that {@code filter} accepts, in the order accepted. */
    public List<LogRecord> records(Predicate<LogRecord> filter) {
        return records().stream().filter(filter).toList();
    }

    /** How many records of {@code unikernel} from {@code origin} arrived. */
    public long count(String unikernel, LogOrigin origin) {
        return records(r -> r.unikernel().equals(unikernel) && r.origin() == origin).size();
    }

    /** How often {@link #flush()} was called. */
    public int flushes() {
        return flushes.get();
    }
}
