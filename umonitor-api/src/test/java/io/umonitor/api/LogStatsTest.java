package io.umonitor.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class LogStatsTest {

    @Test
    void theFourCounterConstructorCountsEveryRejectionAsOther() {
        assertEquals(Map.of(RejectReason.OTHER, 3L), new LogStats(10, 0, 3, 1).rejectedByReason());
        assertEquals(Map.of(), new LogStats(10, 0, 0, 1).rejectedByReason());
        assertEquals("LogStats[received=10, lost=0, rejected=0, dropped=1]", new LogStats(10, 0, 0, 1).toString(),
                "without rejections it prints as before");
    }

    @Test
    void theSplitByReasonMustAddUpAndIsAnUnmodifiableMapInTheEnumsOrder() {
        Map<RejectReason, Long> given = new LinkedHashMap<>();
        given.put(RejectReason.CONSOLE_LINE, 2L);
        given.put(RejectReason.WRONG_TOKEN, 1L);
        LogStats stats = new LogStats(5, 0, 3, 0, given);
        given.put(RejectReason.OTHER, 9L);
        assertEquals(List.of(RejectReason.WRONG_TOKEN, RejectReason.CONSOLE_LINE),
                List.copyOf(stats.rejectedByReason().keySet()), "a copy, in the enum's order");
        assertThrows(UnsupportedOperationException.class, () -> stats.rejectedByReason().put(RejectReason.OTHER, 1L));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new LogStats(5, 0, 4, 0, Map.of(RejectReason.WRONG_TOKEN, 3L)));
        assertTrue(e.getMessage().contains("sums to 3, not to rejected=4"), e.getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> new LogStats(5, 0, 0, 0, Map.of(RejectReason.WRONG_TOKEN, 0L)));
    }
}
