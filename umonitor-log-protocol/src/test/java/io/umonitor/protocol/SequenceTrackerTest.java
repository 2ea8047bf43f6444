package io.umonitor.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.umonitor.protocol.SequenceTracker.Counts;
import io.umonitor.protocol.SequenceTracker.Outcome;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class SequenceTrackerTest {
    private final SequenceTracker tracker = new SequenceTracker();

    @Test
    void inOrderRecordsLoseNothing() {
        assertEquals(Outcome.IN_ORDER, tracker.onRecord("a", 1, 0));
        assertEquals(Outcome.IN_ORDER, tracker.onRecord("a", 1, 1));
        assertEquals(Outcome.IN_ORDER, tracker.onRecord("a", 1, 2));
        assertEquals(new Counts(3, 0, 0), tracker.counts("a"));
    }

    @Test
    void recordsLostBeforeTheFirstArrivalCountLikeThoseLostWhenNoneArrive() {
        assertEquals(Outcome.AFTER_GAP, tracker.onRecord("a", 1, 5));
        for (long s = 6; s < 10; s++) {
            tracker.onRecord("a", 1, s);
        }
        tracker.onGoodbye("a", 1, 10);
        assertEquals(new Counts(5, 5, 0), tracker.counts("a"), "records 0-4 are lost");
        assertEquals(10, tracker.onGoodbye("b", 1, 10), "all 10 lost when none arrives");
    }

    @Test
    void aGapRevealsLostRecordsAndLateOnesGiveThemBack() {
        tracker.onRecord("a", 1, 0);
        assertEquals(Outcome.AFTER_GAP, tracker.onRecord("a", 1, 5));
        assertEquals(new Counts(2, 4, 0), tracker.counts("a"));
        assertEquals(Outcome.OUT_OF_ORDER, tracker.onRecord("a", 1, 3));
        assertEquals(new Counts(3, 3, 1), tracker.counts("a"));
        assertEquals(Outcome.OUT_OF_ORDER, tracker.onRecord("a", 1, 1));
        assertEquals(Outcome.OUT_OF_ORDER, tracker.onRecord("a", 1, 4));
        assertEquals(Outcome.OUT_OF_ORDER, tracker.onRecord("a", 1, 2));
        assertEquals(new Counts(6, 0, 4), tracker.counts("a"));
        assertEquals(Outcome.IN_ORDER, tracker.onRecord("a", 1, 6));
    }

    @Test
    void duplicatesAreOutOfOrderButNeverReduceLoss() {
        tracker.onRecord("a", 1, 0);
        tracker.onRecord("a", 1, 2);
        tracker.onRecord("a", 1, 2);
        tracker.onRecord("a", 1, 0);
        assertEquals(new Counts(4, 1, 2), tracker.counts("a"));
        tracker.onRecord("a", 1, 1);
        tracker.onRecord("a", 1, 1);
        assertEquals(new Counts(6, 0, 4), tracker.counts("a"));
    }

    @Test
    void recordsBeforeTheFirstOneSeenFillTheirGap() {
        tracker.onRecord("a", 1, 10);
        assertEquals(Outcome.OUT_OF_ORDER, tracker.onRecord("a", 1, 9));
        assertEquals(new Counts(2, 9, 1), tracker.counts("a"));
    }

    @Test
    void goodbyeRevealsLossAtTheEndAndLateRecordsStillCount() {
        tracker.onRecord("a", 1, 0);
        tracker.onRecord("a", 1, 1);
        assertEquals(3, tracker.onGoodbye("a", 1, 5));
        assertEquals(new Counts(2, 3, 0), tracker.counts("a"));
        tracker.onRecord("a", 1, 4);
        assertEquals(new Counts(3, 2, 1), tracker.counts("a"));
        assertEquals(0, tracker.onGoodbye("a", 1, 5));
        assertEquals(0, tracker.onGoodbye("b", 1, 0));
        assertEquals(2, tracker.onGoodbye("c", 1, 2), "a session without records lost all it produced");
    }

    @Test
    void aNewSessionRestartsNumberingAndSessionsAreCountedApart() {
        tracker.onRecord("a", 1, 0);
        tracker.onRecord("a", 1, 1);
        assertEquals(Outcome.IN_ORDER, tracker.onRecord("a", 2, 0));
        tracker.onRecord("a", 2, 3);
        tracker.onRecord("a", 1, 2);
        tracker.onRecord("b", 1, 0);
        assertEquals(Optional.of(new Counts(3, 0, 0)), tracker.counts("a", 1));
        assertEquals(Optional.of(new Counts(2, 2, 0)), tracker.counts("a", 2));
        assertEquals(new Counts(5, 2, 0), tracker.counts("a"));
        assertEquals(new Counts(1, 0, 0), tracker.counts("b"));
    }

    @Test
    void sequenceNumbersAndCountsAreUnsigned() {
        tracker.onRecord("a", 1, Long.MAX_VALUE);
        assertEquals(Outcome.IN_ORDER, tracker.onRecord("a", 1, Long.MIN_VALUE));
        assertEquals(Outcome.AFTER_GAP, tracker.onRecord("a", 1, -2L));
        // MAX_VALUE records before 2^63-1, then 2^63+1 .. 2^64-3: 2^64-3 - 2^63 = 2^63-3 more.
        assertEquals("18446744073709551612", Long.toUnsignedString(tracker.counts("a").lost()));
        assertEquals(Outcome.OUT_OF_ORDER, tracker.onRecord("a", 1, Long.MIN_VALUE + 2));
        assertEquals("18446744073709551611", Long.toUnsignedString(tracker.counts("a").lost()));
    }

    @Test
    void theLastSequenceNumberEndsTheSessionWithoutWrappingAround() {
        assertEquals(Outcome.AFTER_GAP, tracker.onRecord("a", 1, -1L));
        assertEquals(Outcome.OUT_OF_ORDER, tracker.onRecord("a", 1, -1L), "a duplicate of 2^64-1, not in order");
        assertEquals(Outcome.OUT_OF_ORDER, tracker.onRecord("a", 1, 0), "0 is not after 2^64-1");
        assertEquals(0, tracker.onGoodbye("a", 1, -1L));
        assertEquals("18446744073709551614", Long.toUnsignedString(tracker.counts("a").lost()),
                "2^64-1 records before it, less the one (0) that arrived late");
    }

    @Test
    void aGoodbyeProducingTheMostRecordsCountsThemAllWithoutSaturatingEarly() {
        assertEquals(-1L, tracker.onGoodbye("a", 1, -1L));
        assertEquals("18446744073709551615", Long.toUnsignedString(tracker.counts("a").lost()));
        tracker.onGoodbye("a", 2, 5);
        assertEquals("18446744073709551615", Long.toUnsignedString(tracker.counts("a").lost()),
                "the sender total saturates at 2^64-1");
    }

    @Test
    void memoryStaysBoundedAgainstAHostileSender() {
        SequenceTracker small = new SequenceTracker(8, 2);
        for (long s = 0; s < 1000; s += 2) {
            small.onRecord("a", 1, s);
        }
        assertEquals(499, small.counts("a").lost());
        small.onRecord("a", 1, 1);
        assertEquals(499, small.counts("a").lost(), "the oldest gaps were forgotten, so record 1 is not recovered");
        small.onRecord("a", 1, 997);
        assertEquals(498, small.counts("a").lost());
        for (long session = 2; session < 10; session++) {
            small.onRecord("a", session, 0);
        }
        assertEquals(Optional.empty(), small.counts("a", 1));
        assertEquals(498, small.counts("a").lost(), "totals survive forgotten sessions");
    }
}
