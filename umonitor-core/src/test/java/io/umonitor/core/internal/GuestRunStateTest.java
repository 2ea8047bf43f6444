package io.umonitor.core.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Which recorded guest processes the next monitor kills: only those whose monitor is gone and whose pid
 * still names the very process recorded (same start time). Real {@code sleep} processes stand in for
 * monitors and guests.
 */
@Timeout(30)
class GuestRunStateTest {
    @TempDir
    Path dir;

    private final List<Process> started = new ArrayList<>();

    @AfterEach
    void killAll() throws Exception {
        for (Process p : started) {
            p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }

    private Process sleeper() throws Exception {
        Process p = new ProcessBuilder("sleep", "60").start();
        started.add(p);
        return p;
    }

    private static long startMillis(ProcessHandle h) {
        return h.info().startInstant().map(Instant::toEpochMilli).orElseThrow();
    }

    private Path record(String name, ProcessHandle guest, long guestStart, long ownerPid, long ownerStart)
            throws Exception {
        Path guests = Files.createDirectories(dir.resolve("guests"));
        Properties p = new Properties();
        p.setProperty("unikernel", name);
        p.setProperty("attempt", "0");
        p.setProperty("pid", Long.toString(guest.pid()));
        p.setProperty("startMillis", Long.toString(guestStart));
        p.setProperty("command", guest.info().command().orElse(""));
        p.setProperty("monitorPid", Long.toString(ownerPid));
        p.setProperty("monitorStartMillis", Long.toString(ownerStart));
        Path file = guests.resolve(GuestRunState.PREFIX + ownerPid + "-" + name + "-0" + GuestRunState.SUFFIX);
        try (Writer out = Files.newBufferedWriter(file)) {
            p.store(out, null);
        }
        return file;
    }

    @Test
    void killsOnlyRecordedGuestsOfMonitorsThatAreGoneAndLeavesEverythingElse() throws Exception {
        Process deadMonitor = new ProcessBuilder("true").start();
        assertTrue(deadMonitor.waitFor(10, TimeUnit.SECONDS));
        long deadPid = deadMonitor.pid();
        Process liveMonitor = sleeper();

        ProcessHandle orphan = sleeper().toHandle();
        Path orphanRecord = record("orphan", orphan, startMillis(orphan), deadPid, 1);
        ProcessHandle ofLiveMonitor = sleeper().toHandle();
        Path liveRecord = record("kept", ofLiveMonitor, startMillis(ofLiveMonitor), liveMonitor.pid(),
                startMillis(liveMonitor.toHandle()));
        ProcessHandle reusedPid = sleeper().toHandle();
        Path reusedRecord = record("reused", reusedPid, startMillis(reusedPid) - 5_000, deadPid, 1);
        ProcessHandle unrecorded = sleeper().toHandle();

        GuestRunState state = new GuestRunState(dir.resolve("guests"));
        assertEquals(1, state.removeLeftovers());

        assertTrue(orphan.onExit().get(10, TimeUnit.SECONDS) != null && !orphan.isAlive(), "the orphan is killed");
        assertFalse(Files.exists(orphanRecord));
        assertTrue(ofLiveMonitor.isAlive(), "a live monitor's guest is its business");
        assertTrue(Files.exists(liveRecord));
        assertTrue(reusedPid.isAlive(), "a pid now naming another process (other start time) is not killed");
        assertFalse(Files.exists(reusedRecord), "its stale record is dropped");
        assertTrue(unrecorded.isAlive(), "a process nobody recorded is never touched");
        assertEquals(0, state.removeLeftovers(), "nothing left the second time");
    }

    @Test
    void aGuestIsRecordedWhileItRunsAndForgottenWhenItEnds() throws Exception {
        GuestRunState state = new GuestRunState(dir.resolve("guests"));
        Process guest = sleeper();
        state.started("web", 2, guest.pid());
        List<Path> files;
        try (var list = Files.list(dir.resolve("guests"))) {
            files = list.toList();
        }
        assertEquals(1, files.size());
        assertTrue(files.get(0).getFileName().toString().matches("guest-\\d+-web-2\\.run"), files.toString());
        String content = Files.readString(files.get(0));
        assertTrue(content.contains("pid=" + guest.pid()), content);
        assertEquals(0, state.removeLeftovers(), "this monitor's own guests are never leftovers");
        assertTrue(guest.isAlive());
        state.ended("web", 2);
        try (var list = Files.list(dir.resolve("guests"))) {
            assertEquals(0, list.count());
        }
    }

    @Test
    void aRecordReadsBackExactlyWhateverTheGuestsCommandPathHolds() throws Exception {
        String nasty = " /opt/my guest=1:a#b!c\\d\te\u00e9\u4e2d\ud83d\ude00\nend ";
        java.util.Properties p = new java.util.Properties();
        p.load(new java.io.StringReader("command=" + GuestRunState.escaped(nasty) + "\nnext=1\n"));
        assertEquals(nasty, p.getProperty("command"));
        assertEquals("1", p.getProperty("next"));
        assertTrue(GuestRunState.escaped(nasty).chars().allMatch(c -> c >= 0x20 && c <= 0x7e), "ASCII only");
    }
}
