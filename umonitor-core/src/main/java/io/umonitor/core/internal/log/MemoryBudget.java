package io.umonitor.core.internal.log;

import io.umonitor.api.Attribute;
import io.umonitor.api.AttributeValue;
import io.umonitor.api.LogRecord;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One monitor-wide byte budget for what the hub holds in memory, split into a bounded share per use:
 * histories (40%), sink queues (30%), follower queues (10%) and connection buffers (20%). A record held in
 * several places is counted in each, so the sum over-estimates and stays safe. What happens when a share
 * is full is up to its user: TCP collection waits, UDP and console records are dropped and counted,
 * histories evict their oldest records, followers skip ahead, connection buffers stop growing.
 */
public final class MemoryBudget {
    /** Estimated bytes of a record object besides its strings and attributes (headers, fields, Instant, list). */
    private static final int RECORD_OVERHEAD = 160;
    private static final int STRING_OVERHEAD = 48;
    private static final int ATTRIBUTE_OVERHEAD = 96;

    private final long total;
    public final Share history;
    public final Share sinkQueues;
    public final Share followers;
    public final Share connections;

    public MemoryBudget(long totalBytes) {
        this.total = totalBytes;
        this.history = new Share("histories", totalBytes * 40 / 100);
        this.sinkQueues = new Share("sink queues", totalBytes * 30 / 100);
        this.followers = new Share("follower queues", totalBytes * 10 / 100);
        this.connections = new Share("connection buffers", totalBytes * 20 / 100);
    }

    public long total() {
        return total;
    }

    /** Bytes held in all shares together. */
    public long used() {
        return history.used() + sinkQueues.used() + followers.used() + connections.used();
    }

    /** An estimate of the heap a record holds (strings as UTF-16 at worst), cheap enough for every record. */
    public static long sizeOf(LogRecord r) {
        long size = RECORD_OVERHEAD + stringSize(r.message()) + stringSize(r.logger());
        for (Attribute a : r.attributes()) {
            size += ATTRIBUTE_OVERHEAD + stringSize(a.key());
            AttributeValue v = a.value();
            if (v instanceof AttributeValue.Str s) {
                size += stringSize(s.value());
            } else if (v instanceof AttributeValue.Bytes b) {
                size += 16 + b.value().length;
            }
        }
        return size;
    }

    private static long stringSize(String s) {
        return s == null ? 0 : STRING_OVERHEAD + 2L * s.length();
    }

    /** One bounded share of the budget. Thread-safe. */
    public static final class Share {
        private final String name;
        private final long limit;
        private final AtomicLong used = new AtomicLong();
        /** How many holders share it (senders with a history), for {@link #fairShare()}. */
        private volatile int holders = 1;

        Share(String name, long limit) {
            this.name = name;
            this.limit = limit;
        }

        public String name() {
            return name;
        }

        public long limit() {
            return limit;
        }

        public long used() {
            return used.get();
        }

        /** Takes {@code bytes} if they fit under the limit; false (nothing taken) otherwise. */
        public boolean tryAcquire(long bytes) {
            long now;
            do {
                now = used.get();
                if (now + bytes > limit) {
                    return false;
                }
            } while (!used.compareAndSet(now, now + bytes));
            return true;
        }

        /** Takes {@code bytes} whether or not they fit (input that already waited, or is bounded elsewhere). */
        public void acquire(long bytes) {
            used.addAndGet(bytes);
        }

        public void release(long bytes) {
            used.addAndGet(-bytes);
        }

        /** True while at most {@code numerator}/4 of the limit is in use. */
        public boolean belowQuarters(int numerator) {
            return used.get() <= limit / 4 * numerator;
        }

        public void holders(int count) {
            holders = Math.max(1, count);
        }

        /** The limit divided evenly among its holders. */
        public long fairShare() {
            return limit / holders;
        }

        public boolean over() {
            return used.get() > limit;
        }
    }
}
