package io.umonitor.protocol;

import io.umonitor.api.ConfigurationException;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Loss accounting from sequence numbers, exactly as PROTOCOL.md section 7, per (sender name, session):
 *
 * <ul>
 *   <li>{@code expected} starts at 0 in every session;
 *   <li>{@code s > expected} reveals {@code s - expected} lost records, then {@code expected = s + 1};
 *   <li>{@code s == expected} advances {@code expected} by one;
 *   <li>{@code s < expected} arrived late or twice: counted out of order, and it reduces the lost count by
 *       one if it had been counted lost and its gap is still remembered;
 *   <li>a GOODBYE with {@code produced = p} reveals {@code p - expected} lost records when positive; then
 *       {@code expected = p}.
 * </ul>
 *
 * Sequence numbers and counts are unsigned 64-bit (held in {@code long}s; print them with
 * {@link Long#toUnsignedString(long)}). After sequence 2^64-1, {@code expected} is 2^64: no later record of
 * the session is in order. A session's counts are exact (it cannot lose more than 2^64-1 records); a
 * sender's totals saturate at 2^64-1. To stay bounded against a hostile sender, a session
 * remembers at most {@code maxGapsPerSession} ranges of missing numbers (beyond that, the oldest range can
 * no longer be recovered by late records) and a sender at most {@code maxSessionsPerSender} sessions (the
 * least recently started is forgotten; its counts stay in the sender's totals).
 *
 * <p>Not thread-safe: confine a tracker to one thread (e.g. the collector's event loop), or guard it.
 *
 * @since 0.1
 */
public final class SequenceTracker {
    public static final int DEFAULT_MAX_GAPS_PER_SESSION = 1024;
    public static final int DEFAULT_MAX_SESSIONS_PER_SENDER = 4;

    /** What one record told the tracker. */
    public enum Outcome {
        /** The record had the expected sequence number. */
        IN_ORDER,
        /** The record revealed a gap: records before it were lost. */
        AFTER_GAP,
        /** The record arrived late (filling a gap) or twice. */
        OUT_OF_ORDER
    }

    /**
     * Counts for one session or, summed, for one sender.
     *
     * @param received records seen, in order or not
     * @param lost records missing now (revealed by gaps and GOODBYEs, minus those that arrived late),
     *     unsigned
     * @param outOfOrder records that arrived after a higher sequence number (late or duplicate)
     */
    public record Counts(long received, long lost, long outOfOrder) {
        public static final Counts ZERO = new Counts(0, 0, 0);
    }

    private final int maxGapsPerSession;
    private final int maxSessionsPerSender;
    private final Map<String, Sender> senders = new HashMap<>();

    public SequenceTracker() {
        this(DEFAULT_MAX_GAPS_PER_SESSION, DEFAULT_MAX_SESSIONS_PER_SENDER);
    }

    /** @throws ConfigurationException when a bound is below 1 */
    public SequenceTracker(int maxGapsPerSession, int maxSessionsPerSender) {
        if (maxGapsPerSession < 1 || maxSessionsPerSender < 1) {
            throw new ConfigurationException("sequence tracker bounds must be at least 1, got maxGapsPerSession="
                    + maxGapsPerSession + ", maxSessionsPerSender=" + maxSessionsPerSender + ": raise them");
        }
        this.maxGapsPerSession = maxGapsPerSession;
        this.maxSessionsPerSender = maxSessionsPerSender;
    }

    /** Accounts one RECORD of {@code sender}'s {@code session}. */
    public Outcome onRecord(String sender, long session, long sequence) {
        Sender s = sender(sender);
        Session state = s.session(session, maxSessionsPerSender);
        state.received = saturatingAdd(state.received, 1);
        s.received = saturatingAdd(s.received, 1);
        int cmp = state.pastEnd ? -1 : Long.compareUnsigned(sequence, state.expected);
        if (cmp >= 0) {
            Outcome outcome = Outcome.IN_ORDER;
            if (cmp > 0) {
                long revealed = sequence - state.expected;
                state.addGap(state.expected, sequence, maxGapsPerSession);
                state.lost += revealed;
                s.addLost(revealed);
                outcome = Outcome.AFTER_GAP;
            }
            state.expected = sequence + 1;
            // 2^64-1 was the last number a session can have: expected is now 2^64, which a long cannot hold.
            state.pastEnd = sequence == -1L;
            return outcome;
        }
        state.outOfOrder = saturatingAdd(state.outOfOrder, 1);
        s.outOfOrder = saturatingAdd(s.outOfOrder, 1);
        if (state.fillGap(sequence, maxGapsPerSession)) {
            state.lost--;
            s.recovered();
        }
        return Outcome.OUT_OF_ORDER;
    }

    /**
     * Accounts a GOODBYE of {@code sender}'s {@code session}.
     *
     * @return the lost records it revealed (0 when none)
     */
    public long onGoodbye(String sender, long session, long produced) {
        Sender s = sender(sender);
        Session state = s.session(session, maxSessionsPerSender);
        long expected = state.expected;
        if (state.pastEnd || Long.compareUnsigned(produced, expected) <= 0) {
            return 0;
        }
        long revealed = produced - expected;
        state.addGap(expected, produced, maxGapsPerSession);
        state.lost += revealed;
        s.addLost(revealed);
        state.expected = produced;
        return revealed;
    }

    /** Totals over every session of {@code sender}, including forgotten ones. */
    public Counts counts(String sender) {
        Sender s = senders.get(sender);
        return s == null ? Counts.ZERO : new Counts(s.received, s.lost, s.outOfOrder);
    }

    /** Counts of one session, while the tracker still remembers it. */
    public Optional<Counts> counts(String sender, long session) {
        Sender s = senders.get(sender);
        Session state = s == null ? null : s.sessions.get(session);
        return state == null ? Optional.empty() : Optional.of(new Counts(state.received, state.lost, state.outOfOrder));
    }

    /** Forgets everything about {@code sender}. */
    public void forget(String sender) {
        senders.remove(sender);
    }

    private Sender sender(String name) {
        Objects.requireNonNull(name, "sender");
        Sender s = senders.get(name);
        if (s == null) {
            s = new Sender();
            senders.put(name, s);
        }
        return s;
    }

    /** Unsigned addition that stops at 2^64-1 (-1 as a long). */
    private static long saturatingAdd(long a, long b) {
        long sum = a + b;
        return Long.compareUnsigned(sum, a) < 0 ? -1L : sum;
    }


    private static final class Sender {
        final LinkedHashMap<Long, Session> sessions = new LinkedHashMap<>();
        Session last;
        long received;
        long lost;
        long outOfOrder;
        /** The lost total passed 2^64-1 and stays there: it no longer says how many were lost. */
        boolean lostSaturated;

        void addLost(long revealed) {
            long sum = lost + revealed;
            if (Long.compareUnsigned(sum, lost) < 0) {
                lostSaturated = true;
            }
            lost = lostSaturated ? -1L : sum;
        }

        void recovered() {
            if (!lostSaturated) {
                lost--;
            }
        }

        Session session(long id, int maxSessions) {
            if (last != null && last.id == id) {
                return last;
            }
            Session s = sessions.get(id);
            if (s == null) {
                s = new Session(id);
                sessions.put(id, s);
                if (sessions.size() > maxSessions) {
                    Iterator<Session> oldest = sessions.values().iterator();
                    oldest.next();
                    oldest.remove();
                }
            }
            last = s;
            return s;
        }
    }

    private static final class Session {
        final long id;
        /** Sequence 2^64-1 has been received: {@code expected} is 2^64. */
        boolean pastEnd;
        long expected;
        long received;
        long lost;
        long outOfOrder;
        /** Missing ranges [start, end) by start, compared unsigned; created on the first gap. */
        TreeMap<Long, Long> gaps;

        Session(long id) {
            this.id = id;
        }

        void addGap(long start, long end, int maxGaps) {
            if (gaps == null) {
                gaps = new TreeMap<>(Long::compareUnsigned);
            }
            gaps.put(start, end);
            if (gaps.size() > maxGaps) {
                gaps.pollFirstEntry();
            }
        }

        /** Removes {@code sequence} from the missing ranges; true if it was missing. */
        boolean fillGap(long sequence, int maxGaps) {
            if (gaps == null) {
                return false;
            }
            Map.Entry<Long, Long> range = gaps.floorEntry(sequence);
            if (range == null || Long.compareUnsigned(sequence, range.getValue()) >= 0) {
                return false;
            }
            long start = range.getKey();
            long end = range.getValue();
            gaps.remove(start);
            if (start != sequence) {
                gaps.put(start, sequence);
            }
            if (sequence + 1 != end) {
                gaps.put(sequence + 1, end);
            }
            if (gaps.size() > maxGaps) {
                gaps.pollFirstEntry();
            }
            return true;
        }
    }
}
