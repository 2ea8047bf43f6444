package io.umonitor.core.internal.log;

import io.umonitor.api.LogRecord;
import io.umonitor.protocol.SequenceTracker;
import java.util.List;

/**
 * Loss accounting for one (sender, session) pair: wraps the protocol's {@link SequenceTracker} and
 * turns its totals into changes, so a sender's counters can be summed over sessions. Counts are unsigned
 * 64-bit. Thread-safe: a session may arrive over TCP, UDP and the console at once.
 */
public final class Sequences {
    /**
     * A change of the session's lost count: {@code revealed} records newly found missing, {@code recovered}
     * records counted lost that arrived late after all; both unsigned.
     */
    public record Change(long revealed, long recovered) {
        static final Change NONE = new Change(0, 0);
    }

    private static final String SENDER = "s";

    private final SequenceTracker tracker = new SequenceTracker(SequenceTracker.DEFAULT_MAX_GAPS_PER_SESSION, 1);
    private final long session;
    private long lostSeen;

    Sequences(long session) {
        this.session = session;
    }

    /** Observes records {@code from..to-1} of {@code records}; returns the change of the lost count. */
    public synchronized Change observe(List<LogRecord> records, int from, int to) {
        boolean gap = false;
        for (int i = from; i < to; i++) {
            gap |= tracker.onRecord(SENDER, session, records.get(i).sequence()) != SequenceTracker.Outcome.IN_ORDER;
        }
        return gap ? lostDelta() : Change.NONE;
    }

    public synchronized Change observe(long sequence) {
        tracker.onRecord(SENDER, session, sequence);
        return lostDelta();
    }

    /** A GOODBYE saying {@code produced} records were logged in this session. */
    public synchronized Change goodbye(long produced) {
        tracker.onGoodbye(SENDER, session, produced);
        return lostDelta();
    }

    private Change lostDelta() {
        // One session never loses more than 2^64-1 records, so its count is exact and only the direction
        // of the change needs an unsigned comparison.
        long lost = tracker.counts(SENDER).lost();
        long seen = lostSeen;
        lostSeen = lost;
        if (lost == seen) {
            return Change.NONE;
        }
        return Long.compareUnsigned(lost, seen) > 0 ? new Change(lost - seen, 0) : new Change(0, seen - lost);
    }
}
