package io.umonitor.core.internal.log;

import io.umonitor.api.LogRecord;
import io.umonitor.protocol.SequenceTracker;
import java.util.List;

/**
 * Loss accounting for one (sender, session) pair: wraps the protocol's {@link SequenceTracker} and
 * turns its totals into deltas, so a sender's counters can be summed over sessions. Thread-safe: a
 * session may arrive over TCP, UDP and the console at once.
 */
public final class Sequences {
    private static final String SENDER = "s";

    private final SequenceTracker tracker = new SequenceTracker(SequenceTracker.DEFAULT_MAX_GAPS_PER_SESSION, 1);
    private final long session;
    private long lostSeen;

    Sequences(long session) {
        this.session = session;
    }

    /** Observes records {@code from..to-1} of {@code records}; returns the change of the lost count. */
    public synchronized long observe(List<LogRecord> records, int from, int to) {
        boolean gap = false;
        for (int i = from; i < to; i++) {
            gap |= tracker.onRecord(SENDER, session, records.get(i).sequence()) != SequenceTracker.Outcome.IN_ORDER;
        }
        return gap ? lostDelta() : 0;
    }

    public synchronized long observe(long sequence) {
        tracker.onRecord(SENDER, session, sequence);
        return lostDelta();
    }

    /** A GOODBYE saying {@code produced} records were logged in this session. */
    public synchronized long goodbye(long produced) {
        tracker.onGoodbye(SENDER, session, produced);
        return lostDelta();
    }

    private long lostDelta() {
        long lost = tracker.counts(SENDER).lost();
        long delta = lost - lostSeen;
        lostSeen = lost;
        return delta;
    }
}
