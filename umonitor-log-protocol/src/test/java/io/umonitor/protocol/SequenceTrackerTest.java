package io.umonitor.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.umonitor.protocol.SequenceTracker.Counts;
import io.umonitor.protocol.SequenceTracker.Outcome;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class SequenceTrackerTest {
    private final SequenceTracker tracker = new SequenceTracker();

    @Test
    void inOrderRecordsLoseNothingAndTheFirstNumberStartsTheSession() {
        assertEquals(Outcome.IN_ORDER, tracker.onRecord("a", 1, 100));
        assertEquals(Outcome.IN_ORDER, tracker.onRecord("a", 1, 101));
        assertEquals(Outcome.IN_ORDER, tracker.onRecord("a", 1, 102));
        assertEquals(new Counts(3, 0, 0), tracker.counts("a"));
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
    void recordsBeforeTheFirstOneSeenAreOutOfOrderNotRecovered() {
        tracker.onRecord("a", 1, 10);
        assertEquals(Outcome.OUT_OF_ORDER, tracker.onRecord("a", 1, 9));
        assertEquals(new Counts(2, 0, 1), tracker.counts("a"));
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
        tracker.onRecord("b", 1, 7);
        assertEquals(Optional.of(new Counts(3, 0, 0)), tracker.counts("a", 1));
        assertEquals(Optional.of(new Counts(2, 2, 0)), tracker.counts("a", 2));
        assertEquals(new Counts(5, 2, 0), tracker.counts("a"));
        assertEquals(new Counts(1, 0, 0), tracker.counts("b"));
    }

    @Test
    void sequenceNumbersAreUnsigned() {
        tracker.onRecord("a", 1, Long.MAX_VALUE);
        assertEquals(Outcome.IN_ORDER, tracker.onRecord("a", 1, Long.MIN_VALUE));
        assertEquals(Outcome.AFTER_GAP, tracker.onRecord("a", 1, -1L));
        assertEquals(Long.MAX_VALUE - 1, tracker.counts("a").lost());
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
