package io.umonitor.solo5;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ResourceUsageTest {

    @Test
    void parsesProcNetDev() {
        Map<String, long[]> c = ResourceUsage.netDev(List.of(
                "Inter-|   Receive                                                |  Transmit",
                " face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed",
                "    lo:    1234      10    0    0    0     0          0         0     1234      10    0    0    0     0       0          0",
                "umtap3:  98765     700    0    0    0     0          0         0    4321      30    0    0    0     0       0          0"));
        assertArrayEquals(new long[] {98765, 4321}, c.get("umtap3"));
        assertArrayEquals(new long[] {1234, 1234}, c.get("lo"));
    }

    @Test
    void readsALiveProcess() {
        long pid = ProcessHandle.current().pid();
        Map<String, String> usage = ResourceUsage.read(Path.of("/proc"), pid, Map.of("loopback", "lo"));
        assertTrue(Long.parseLong(usage.get("cpu-time-ms")) > 0, usage.toString());
        assertTrue(Long.parseLong(usage.get("rss-kb")) > 1000, usage.toString());
        assertTrue(usage.containsKey("net.loopback.guest-tx-bytes"), usage.toString());
    }

    @Test
    void aVanishedProcessHasNoUsage() {
        assertEquals(Map.of(), ResourceUsage.read(Path.of("/proc"), Long.MAX_VALUE, Map.of()));
    }
}
