package io.umonitor.core.internal.log;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.umonitor.api.AttributeValue;
import io.umonitor.api.LogLevel;
import io.umonitor.api.LogOrigin;
import io.umonitor.api.spi.CollectorEndpoint.Transport;
import io.umonitor.core.sink.FileSink;
import io.umonitor.testkit.RecordingSink;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The file sink on a real 1 MiB tmpfs that fills up, or on a read-only mount, under the hub: the failure is
 * a MONITOR record and a counter, another sink keeps receiving everything, and the file sink writes again
 * once space returns or the directory becomes writable.
 */
@Timeout(60)
class HubDiskFullTest {
    private static final Duration WAIT = Duration.ofSeconds(30);

    @TempDir
    Path dir;

    private static int run(String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        p.getInputStream().readAllBytes();
        return p.waitFor(30, TimeUnit.SECONDS) ? p.exitValue() : -1;
    }

    @Test
    void aFullDiskIsReportedAndCountedWhileAnotherSinkKeepsEverythingAndWritingResumes() throws Exception {
        Path mount = Files.createDirectory(dir.resolve("tmpfs"));
        Assumptions.assumeTrue(run("mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", mount.toString()) == 0,
                "needs root to mount a small tmpfs (run the tests as root, or in CI)");
        DefaultLogHub hub = null;
        try {
            FileSink files = new FileSink(mount.resolve("logs")).open();
            RecordingSink other = new RecordingSink("other");
            hub = DefaultLogHub.start(DefaultLogHub.Settings.defaults().withReportInterval(Duration.ofMillis(100)),
                    List.of(files, other));
            DefaultLogHub h = hub;
            String token = String.format("%032x", 77);
            hub.registerSender("disk", token);
            // About 20,000 x 130 bytes = 2.6 MB into a 1 MiB file system.
            TestSenders.sendTcp(TestSenders.endpoint(hub, Transport.TCP), "disk", token, 20_000);
            TestSenders.await("the other sink gets every record", WAIT,
                    () -> other.count("disk", LogOrigin.TCP) == 20_000);
            TestSenders.await("the failure counted", WAIT, () -> h.sinkFailures(FileSink.ID) > 0);
            TestSenders.await("the failure reported as an ERROR record naming the sink", WAIT, () -> !other.records(r ->
                    r.unikernel().equals("disk") && r.origin() == LogOrigin.MONITOR && r.level() == LogLevel.ERROR
                            && r.attribute("sink").map(new AttributeValue.Str(FileSink.ID)::equals).orElse(false))
                    .isEmpty());
            assertTrue(hub.stats("disk").dropped() > 0, "records the file sink could not store are counted: "
                    + hub.stats("disk"));

            // Space returns: the file is emptied, and the next records reach it.
            Path log = mount.resolve("logs").resolve("disk.log");
            Files.write(log, new byte[0]);
            TestSenders.sendTcp(TestSenders.endpoint(hub, Transport.TCP), "disk", token, 100);
            TestSenders.await("writing resumes", WAIT, () -> {
                try {
                    return Files.readString(log, StandardCharsets.UTF_8).contains("disk:99 ");
                } catch (IOException e) {
                    return false;
                }
            });
            List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
            assertTrue(lines.stream().filter(l -> l.contains(" tcp #")).count() >= 100, "records after the space returned");
            assertEquals(20_100, other.count("disk", LogOrigin.TCP));
        } finally {
            if (hub != null) {
                hub.close();
            }
            run("umount", "-l", mount.toString());
        }
    }

    @Test
    void anUnwritableLogDirectoryIsReportedAndCountedAndWritingStartsOnceItIsWritable() throws Exception {
        Path mount = Files.createDirectory(dir.resolve("tmpfs-ro"));
        Assumptions.assumeTrue(run("mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", mount.toString()) == 0,
                "needs root to mount a small tmpfs (run the tests as root, or in CI)");
        Path logs = Files.createDirectory(mount.resolve("logs"));
        DefaultLogHub hub = null;
        try {
            // A read-only bind mount: unwritable even for root.
            assertEquals(0, run("mount", "--bind", logs.toString(), logs.toString()));
            assertEquals(0, run("mount", "-o", "remount,bind,ro", logs.toString()));
            FileSink files = new FileSink(logs).open();
            RecordingSink other = new RecordingSink("other");
            hub = DefaultLogHub.start(DefaultLogHub.Settings.defaults().withReportInterval(Duration.ofMillis(100)),
                    List.of(files, other));
            DefaultLogHub h = hub;
            String token = String.format("%032x", 78);
            hub.registerSender("ro", token);
            TestSenders.sendTcp(TestSenders.endpoint(hub, Transport.TCP), "ro", token, 1000);
            TestSenders.await("the other sink gets every record", WAIT, () -> other.count("ro", LogOrigin.TCP) == 1000);
            TestSenders.await("the failure counted", WAIT, () -> h.sinkFailures(FileSink.ID) > 0);
            TestSenders.await("the failure reported as an ERROR record naming the sink", WAIT, () -> !other.records(r ->
                    r.unikernel().equals("ro") && r.origin() == LogOrigin.MONITOR && r.level() == LogLevel.ERROR
                            && r.attribute("sink").map(new AttributeValue.Str(FileSink.ID)::equals).orElse(false))
                    .isEmpty());
            assertTrue(hub.stats("ro").dropped() > 0, hub.stats("ro").toString());

            assertEquals(0, run("mount", "-o", "remount,bind,rw", logs.toString()));
            TestSenders.sendTcp(TestSenders.endpoint(hub, Transport.TCP), "ro", token, 100);
            Path log = logs.resolve("ro.log");
            TestSenders.await("writing starts once the directory is writable", WAIT, () -> {
                try {
                    return Files.exists(log) && Files.readString(log, StandardCharsets.UTF_8).contains("ro:99 ");
                } catch (IOException e) {
                    return false;
                }
            });
        } finally {
            if (hub != null) {
                hub.close();
            }
            run("umount", "-l", logs.toString());
            run("umount", "-l", mount.toString());
        }
    }
}
