package io.umonitor.examples.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** `umonitor run` in one process, `ps`, `logs` and `stop` from others, as from two terminals. */
class ControlSocketIT {

    @Test
    void psLogsAndStopReachTheMonitorThatRunHolds(@TempDir Path home) throws Exception {
        Path runOutput = home.resolve("run.out");
        Process run = CliProcess.start(home, runOutput, "run", "--name", "napper", "--backend", "process", "/bin/sleep", "--", "60");
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            CliProcess.Result ps;
            do {
                ps = CliProcess.run(home, 30, "ps");
            } while (!ps.output().matches("(?s).*napper\\s+process\\s+RUNNING.*") && System.nanoTime() < deadline);
            assertTrue(ps.output().matches("(?s).*napper\\s+process\\s+RUNNING.*"), ps.output() + "\nrun:\n" + Files.readString(runOutput));

            CliProcess.Result logs = CliProcess.run(home, 30, "logs", "napper");
            assertEquals(0, logs.exitCode(), logs.output() + "\nrun:\n" + Files.readString(runOutput));
            assertTrue(logs.output().contains("monitor"), "the monitor's own records (launched, running) are in the log:\n" + logs.output());

            CliProcess.Result stop = CliProcess.run(home, 30, "stop", "napper");
            assertEquals(0, stop.exitCode(), stop.output() + "\nrun:\n" + Files.readString(runOutput));
            assertTrue(run.waitFor(20, TimeUnit.SECONDS), "run ends when its unikernel is stopped");
        } finally {
            run.destroyForcibly();
        }
        CliProcess.Result unknown = CliProcess.run(home, 30, "stop", "nobody");
        assertEquals(1, unknown.exitCode());
        assertTrue(unknown.output().contains("no running umonitor holds a unikernel named 'nobody'"), unknown.output());
    }
}
