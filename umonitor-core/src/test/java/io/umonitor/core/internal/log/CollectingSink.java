package io.umonitor.core.internal.log;

import io.umonitor.api.LogOrigin;
import io.umonitor.api.LogRecord;
import io.umonitor.api.spi.LogSink;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

/** A sink that keeps everything it is given, optionally slowly or failing, for assertions. */
class CollectingSink implements LogSink {
    private final String id;
    private final List<LogRecord> records = new ArrayList<>();
    volatile long delayNanosPerRecord;
    volatile boolean failing;
    volatile int flushes;

    CollectingSink(String id) {
        this.id = id;
    }

    @Override
    public String id() {
        return id;
    }

    @Override
    public void accept(LogRecord record) {
        if (failing) {
            throw new IllegalStateException("disk full (simulated by the test)");
        }
        long delay = delayNanosPerRecord;
        if (delay > 0) {
            long end = System.nanoTime() + delay;
            while (System.nanoTime() < end) {
                Thread.onSpinWait();
            }
        }
        synchronized (records) {
            records.add(record);
        }
    }

    @Override
    public void flush() {
        flushes++;
    }

    List<LogRecord> records() {
        synchronized (records) {
            return new ArrayList<>(records);
        }
    }

    List<LogRecord> records(Predicate<LogRecord> filter) {
        return records().stream().filter(filter).toList();
    }

    long count(String unikernel, LogOrigin origin) {
        return records(r -> r.unikernel().equals(unikernel) && r.origin() == origin).size();
    }
}
