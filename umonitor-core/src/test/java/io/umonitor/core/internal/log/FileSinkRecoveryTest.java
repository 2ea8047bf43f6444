package io.umonitor.core.internal.log;

import io.umonitor.testkit.RecordingSink;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.umonitor.api.AttributeValue;
import io.umonitor.api.LogOrigin;
import io.umonitor.api.LogRecord;
import io.umonitor.api.CollectorEndpoint.Transport;
import io.umonitor.core.sink.FileSink;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The file sink under the hub on a real 1 MiB tmpfs that fills up, then gets space back in the three ways a
 * user frees it: deleting the log, moving it away (logrotate, or to a bigger disk), growing the mount. In each:
 * failures are reported at most once per report interval and never into the full sink, the CPU stays idle
 * while nothing is sent, "stores again" comes only after a write succeeded, the records sent afterwards are
 * in the file at the path, and every record is either stored or counted dropped, once.
 */
@Timeout(90)
class FileSinkRecoveryTest {
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final Duration INTERVAL = Duration.ofMillis(200);
    private static final int FILL = 20_000;
    private static final int AFTER = 1_000;

    @TempDir
    Path dir;

    private enum Recovery { DELETE, MOVE_AWAY, GROW_MOUNT }

    private static int run(String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        p.getInputStream().readAllBytes();
        return p.waitFor(30, TimeUnit.SECONDS) ? p.exitValue() : -1;
    }

    private static long lines(Path file) throws IOException {
        if (!Files.exists(file)) {
            return 0;
        }
        try (var s = Files.lines(file, StandardCharsets.UTF_8)) {
            return s.count();
        }
    }

    private static boolean isFailureReport(LogRecord r) {
        return r.origin() == LogOrigin.MONITOR && r.attribute("sink").map(new AttributeValue.Str(FileSink.ID)::equals)
                .orElse(false) && r.attribute("sink.failures").map(v -> !v.render().equals("0")).orElse(false);
    }

    /** CPU time of the hub's own threads (collectors, sinks, reporter), in nanoseconds. */
    private static long hubCpuNanos() {
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        long total = 0;
        for (var info : threads.getThreadInfo(threads.getAllThreadIds())) {
            if (info != null && info.getThreadName().startsWith("umonitor-")) {
                total += Math.max(0, threads.getThreadCpuTime(info.getThreadId()));
            }
        }
        return total;
    }

    @Test
    void deletingTheLogOfAFullDiskStartsAFreshFileAndWritingResumes() throws Exception {
        scenario(Recovery.DELETE);
    }

    @Test
    void movingTheLogAwayStartsAFreshFileAndEveryRecordIsStoredOrCountedOnce() throws Exception {
        scenario(Recovery.MOVE_AWAY);
    }

    @Test
    void growingTheMountLetsTheSameFileGrowAndEveryRecordIsStoredOrCountedOnce() throws Exception {
        scenario(Recovery.GROW_MOUNT);
    }

    private void scenario(Recovery recovery) throws Exception {
        Path mount = Files.createDirectory(dir.resolve("tmpfs-" + recovery.name().toLowerCase()));
        Assumptions.assumeTrue(run("mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", mount.toString()) == 0,
                "needs root to mount a small tmpfs (run the tests as root, or in CI)");
        try {
            FileSink files = new FileSink(mount.resolve("logs")).open();
            RecordingSink other = new RecordingSink("other");
            try (DefaultLogHub hub = DefaultLogHub.start(LogHubSettings.defaults().withReportInterval(INTERVAL),
                    List.of(files, other))) {
                String token = String.format("%032x", 99);
                hub.registerSender("full", token);
                Path log = mount.resolve("logs").resolve("full.log");
                Instant start = Instant.now();
                TestSenders.sendTcp(TestSenders.endpoint(hub, Transport.TCP), "full", token, FILL);
                TestSenders.await("the other sink gets every record", WAIT, () -> other.count("full", LogOrigin.TCP) == FILL);
                TestSenders.await("the failure counted", WAIT, () -> hub.sinkFailures(FileSink.ID) > 0);
                // Every record offered to the file sink ends in its file or in the dropped count, exactly once.
                TestSenders.await("the file sink settles", WAIT, () -> {
                    try {
                        return lines(log) + hub.stats("full").dropped() == offeredToFile(other, hub);
                    } catch (IOException e) {
                        return false;
                    }
                });
                // Whatever room the cut-off partial lines left is taken too, and a few more records prove the sink is
                // failing right now: from here on no write can succeed until the space returns.
                run("dd", "if=/dev/zero", "of=" + mount.resolve("filler"), "bs=4k");
                long failuresBefore = hub.sinkFailures(FileSink.ID);
                TestSenders.sendTcp(TestSenders.endpoint(hub, Transport.TCP), "full", token, 2_000);
                TestSenders.await("the sink fails again", WAIT, () -> hub.sinkFailures(FileSink.ID) > failuresBefore);
                Instant failingSince = Instant.now();
                TestSenders.await("the file sink settles again", WAIT, () -> {
                    try {
                        return lines(log) + hub.stats("full").dropped() == offeredToFile(other, hub);
                    } catch (IOException e) {
                        return false;
                    }
                });
                long droppedWhileFull = hub.stats("full").dropped();
                assertTrue(droppedWhileFull > 0 && droppedWhileFull < FILL, "some, not all, dropped: " + droppedWhileFull);

                // Nothing is sent: the monitor must not spin on the full disk.
                long cpuBefore = hubCpuNanos();
                long wallBefore = System.nanoTime();
                Thread.sleep(2_000); // the measured idle period itself, not a wait for a condition
                long cpu = hubCpuNanos() - cpuBefore;
                long wall = System.nanoTime() - wallBefore;
                System.out.printf("[disk-full %s] hub threads used %.2f%% CPU while the disk was full and idle%n",
                        recovery, 100.0 * cpu / wall);
                assertTrue(cpu < wall / 20, "hub threads used " + cpu / 1_000_000 + " ms CPU in " + wall / 1_000_000
                        + " ms while idle on a full disk");
                assertEquals(droppedWhileFull, hub.stats("full").dropped(), "nothing more dropped while idle");

                long storedBefore = lines(log);
                Path moved = dir.resolve("moved-" + recovery + ".log");
                switch (recovery) {
                    case DELETE -> {
                        Files.delete(log);
                        Files.delete(mount.resolve("filler"));
                    }
                    case MOVE_AWAY -> {
                        Files.move(log, moved);
                        Files.delete(mount.resolve("filler"));
                    }
                    case GROW_MOUNT -> assertEquals(0, run("mount", "-o", "remount,size=4m", mount.toString()));
                }
                TestSenders.sendTcp(TestSenders.endpoint(hub, Transport.TCP), "full", token, AFTER);
                TestSenders.await("the records sent after the space returned are in the file at the path", WAIT, () -> {
                    try {
                        return Files.exists(log) && Files.readString(log).contains("full:" + (AFTER - 1) + " ");
                    } catch (IOException e) {
                        return false;
                    }
                });
                TestSenders.await("the recovery reported", WAIT, () -> !other.records(r -> r.origin() == LogOrigin.MONITOR
                        && r.message().contains("stores records again") && r.receivedAt().isAfter(failingSince)).isEmpty());
                List<String> fresh = Files.readAllLines(log, StandardCharsets.UTF_8);
                for (int i = 0; i < AFTER; i++) {
                    String want = "full:" + i + " ";
                    assertTrue(fresh.stream().anyMatch(l -> l.contains(want)), "record " + i + " after recovery");
                }
                assertEquals(droppedWhileFull, hub.stats("full").dropped(), "nothing sent after the space returned is "
                        + "dropped");
                if (recovery != Recovery.DELETE) {
                    long stored = lines(log) + (recovery == Recovery.MOVE_AWAY ? lines(moved) : 0);
                    assertEquals(offeredToFile(other, hub), stored + hub.stats("full").dropped(),
                            "stored + dropped = offered, each record counted once");
                } else {
                    assertEquals(offeredToFile(other, hub) - storedBefore, lines(log) + hub.stats("full").dropped(),
                            "stored after the delete + dropped = offered minus what the deleted file held");
                }
                long seconds = Math.max(1, Duration.between(start, Instant.now()).toMillis() / INTERVAL.toMillis());
                long reports = other.records(FileSinkRecoveryTest::isFailureReport).size();
                assertTrue(reports <= seconds + 2, reports + " failure reports in " + seconds
                        + " report intervals: at most one per interval");
                assertTrue(files.fileOf("full").equals(log));
            }
        } finally {
            run("umount", "-l", mount.toString());
        }
    }

    /** Records the file sink was given: everything of the sender but the reports kept out of it while it failed. */
    private static long offeredToFile(RecordingSink other, DefaultLogHub hub) {
        return other.records(r -> r.unikernel().equals("full") && !isFailureReport(r)).size()
                - hub.counters().get("sink.file.reportsKeptOut");
    }
}
