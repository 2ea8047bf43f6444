package io.umonitor.examples.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The soak command as CI runs it: load, flood and faults at once for 60 s (override with
 * {@code -Dumonitor.soak.duration=20s}), every invariant held, the summary table printed.
 */
@Timeout(240)
class SoakCommandIT {

    @Test
    void soakRunsEveryScenarioAndEveryInvariantHolds(@TempDir Path home) throws Exception {
        String duration = System.getProperty("umonitor.soak.duration", "60s");
        CliProcess.Result soak = CliProcess.run(home, 200, "soak", "--duration", duration);
        System.out.println(soak.output());
        assertEquals(0, soak.exitCode(), soak.output());
        for (String scenario : new String[] {"tcp-load", "udp-gaps", "udp-flood", "bad-input", "crashes", "storm",
                "max-frames"}) {
            assertTrue(soak.output().contains(scenario), scenario + " in the summary:\n" + soak.output());
        }
        assertTrue(soak.output().contains("invariants: all held"), soak.output());
    }

    @Test
    void aBadDurationIsRefusedNamingTheFix(@TempDir Path home) throws Exception {
        CliProcess.Result soak = CliProcess.run(home, 30, "soak", "--duration", "soon");
        assertEquals(2, soak.exitCode(), soak.output());
        assertTrue(soak.output().contains("--duration 'soon'"), soak.output());
    }
}
