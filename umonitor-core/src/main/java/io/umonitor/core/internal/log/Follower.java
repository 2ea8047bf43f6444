package io.umonitor.core.internal.log;

import io.umonitor.api.Attribute;
import io.umonitor.api.GuestClock;
import io.umonitor.api.LogFilter;
import io.umonitor.api.LogLevel;
import io.umonitor.api.LogOrigin;
import io.umonitor.api.LogRecord;
import io.umonitor.api.Subscription;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.List;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One {@code follow} subscription: its own thread and bounded queue, so a slow consumer never slows
 * collection. When the queue is full, new records are skipped and the consumer is told how many with
 * a MONITOR record before the next one it gets. Records reach {@link #offer} under the sender's lock,
 * which is what makes replay followed by live delivery gap- and duplicate-free.
 */
final class Follower implements Subscription {
    private static final Logger LOG = LoggerFactory.getLogger(Follower.class);

    private final String name;
    private final LogFilter filter;
    private final Consumer<LogRecord> consumer;
    private final int capacity;
    private final Runnable onClose;
    private final ArrayDeque<LogRecord> queue = new ArrayDeque<>();
    private int live;
    private long skipped;
    private String skippedFrom;
    private boolean closed;
    private final Thread thread;

    /** The follower queues' share of the memory budget; live records are counted until delivered. */
    private final MemoryBudget.Share budget;
    private long liveBytes;

    Follower(String name, LogFilter filter, Consumer<LogRecord> consumer, int capacity, Runnable onClose) {
        this(name, filter, consumer, capacity, onClose, new MemoryBudget(Long.MAX_VALUE / 4).followers);
    }

    Follower(String name, LogFilter filter, Consumer<LogRecord> consumer, int capacity, Runnable onClose,
            MemoryBudget.Share budget) {
        this.budget = budget;
        this.name = name;
        this.filter = filter;
        this.consumer = consumer;
        this.capacity = capacity;
        this.onClose = onClose;
        this.thread = new Thread(this::run, "umonitor-follow-" + (name == null ? "all" : name));
        this.thread.setDaemon(true);
    }

    String name() {
        return name;
    }

    void start() {
        thread.start();
    }

    /** History matching the filter; never counted against the live bound. */
    synchronized void replay(List<LogRecord> records) {
        for (LogRecord r : records) {
            if (filter.matches(r)) {
                queue.add(r);
            }
        }
        notifyAll();
    }

    synchronized void offer(LogRecord record) {
        if (closed || !filter.matches(record)) {
            return;
        }
        long size = MemoryBudget.sizeOf(record);
        if (live >= capacity || !budget.tryAcquire(size)) {
            if (skipped++ == 0) {
                skippedFrom = record.unikernel();
            }
            return;
        }
        queue.add(record);
        live++;
        liveBytes += size;
        if (queue.size() == 1) {
            notifyAll();
        }
    }

    private void run() {
        while (true) {
            LogRecord next;
            LogRecord skipNote = null;
            synchronized (this) {
                while (queue.isEmpty() && skipped == 0 && !closed) {
                    try {
                        wait();
                    } catch (InterruptedException e) {
                        closed = true;
                    }
                }
                if (closed) {
                    return;
                }
                if (skipped > 0 && queue.isEmpty()) {
                    skipNote = skippedNote();
                }
                next = queue.poll();
                if (next != null && live > 0 && queue.size() < live) {
                    live--;
                    long size = MemoryBudget.sizeOf(next);
                    liveBytes -= size;
                    budget.release(size);
                }
            }
            deliver(skipNote);
            deliver(next);
        }
    }

    private LogRecord skippedNote() {
        String message = "this follower was too slow: " + skipped + " record(s) were skipped";
        LogRecord note = new LogRecord(skippedFrom, LogOrigin.MONITOR, -1, GuestClock.NONE, 0, Instant.now(),
                LogLevel.WARN, MonitorRecords.LOGGER, message, List.of(Attribute.of("skipped", skipped)));
        skipped = 0;
        return note;
    }

    private void deliver(LogRecord record) {
        if (record == null) {
            return;
        }
        try {
            consumer.accept(record);
        } catch (RuntimeException | Error e) {
            LOG.warn("a log follower's consumer failed on a record of '{}'; it keeps receiving", record.unikernel(), e);
        }
    }

    @Override
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            queue.clear();
            budget.release(liveBytes);
            liveBytes = 0;
            live = 0;
            notifyAll();
        }
        onClose.run();
    }
}
