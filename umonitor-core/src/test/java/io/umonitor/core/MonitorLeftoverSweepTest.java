package io.umonitor.core;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.umonitor.core.backend.process.ProcessBackend;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Building a monitor kills the guests a killed monitor left running (recorded in the shared state
 * directory), unless the builder turns that sweep off.
 */
class MonitorLeftoverSweepTest {
    @TempDir
    Path state;

    private Process orphan;

    @AfterEach
    void killOrphan() throws Exception {
        if (orphan != null) {
            orphan.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }

    /** A live process recorded as the guest of a monitor that has exited, as a SIGKILLed monitor leaves it. */
    private ProcessHandle orphanOfADeadMonitor() throws Exception {
        Process deadMonitor = new ProcessBuilder("true").start();
        assertTrue(deadMonitor.waitFor(10, TimeUnit.SECONDS));
        orphan = new ProcessBuilder("sleep", "60").start();
        ProcessHandle guest = orphan.toHandle();
        Properties p = new Properties();
        p.setProperty("unikernel", "orphan");
        p.setProperty("attempt", "0");
        p.setProperty("pid", Long.toString(guest.pid()));
        p.setProperty("startMillis", Long.toString(guest.info().startInstant().map(Instant::toEpochMilli)
                .orElseThrow()));
        p.setProperty("command", guest.info().command().orElse(""));
        p.setProperty("monitorPid", Long.toString(deadMonitor.pid()));
        p.setProperty("monitorStartMillis", "1");
        Path guests = Files.createDirectories(state.resolve("guests"));
        try (Writer out = Files.newBufferedWriter(guests.resolve("guest-" + deadMonitor.pid() + "-orphan-0.run"))) {
            p.store(out, null);
        }
        return guest;
    }

    private Monitor.Builder builder() {
        return Monitor.builder().discoverProviders(false).backend(new ProcessBackend()).stateDirectory(state)
                .closeOnJvmExit(false);
    }

    @Test
    void withTheSweepTurnedOffAGuestOfADeadMonitorIsLeftRunning() throws Exception {
        ProcessHandle guest = orphanOfADeadMonitor();
        try (Monitor monitor = builder().sweepLeftoverGuests(false).build()) {
            assertTrue(guest.isAlive(), "the sweep is off: the recorded guest must survive");
        }
        assertTrue(guest.isAlive(), "closing the monitor does not touch another monitor's guest either");
    }

    @Test
    void byDefaultAGuestOfADeadMonitorIsKilledWhenTheNextMonitorIsBuilt() throws Exception {
        ProcessHandle guest = orphanOfADeadMonitor();
        try (Monitor monitor = builder().build()) {
            guest.onExit().get(10, TimeUnit.SECONDS);
            assertFalse(guest.isAlive(), "the recorded guest of a dead monitor is killed");
        }
    }
}
