package io.umonitor.core.internal.log;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.umonitor.api.CollectorEndpoint.Transport;
import io.umonitor.core.sink.FileSink;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** TCP into rotating files through the hub: every record written, once, in order per sender. */
@Timeout(120)
class HubToFilesTest {
    @TempDir
    Path dir;

    @Test
    void tcpIntoRotatingFilesLosesNothingAndKeepsOrder() throws Exception {
        FileSink files = new FileSink(dir, FileSink.Format.TEXT, 256 * 1024, 1000).open();
        int senders = 100; // 100 x 10,000 = 10^6 records (issue 9)
        int perSender = 10_000;
        DefaultLogHub hub = DefaultLogHub.start(LogHubSettings.defaults().withSinkQueueCapacity(4096),
                List.of(files));
        try {
            for (int i = 0; i < senders; i++) {
                hub.registerSender("file-" + i, String.format("%032x", i));
            }
            InetSocketAddress to = TestSenders.endpoint(hub, Transport.TCP);
            ExecutorService pool = Executors.newFixedThreadPool(senders);
            try {
                List<Future<?>> sent = new ArrayList<>();
                for (int i = 0; i < senders; i++) {
                    int n = i;
                    sent.add(pool.submit(() -> {
                        TestSenders.sendTcp(to, "file-" + n, String.format("%032x", n), perSender);
                        return null;
                    }));
                }
                for (Future<?> f : sent) {
                    f.get(60, TimeUnit.SECONDS);
                }
            } finally {
                pool.shutdownNow();
            }
            TestSenders.await("all received", Duration.ofSeconds(30), () -> {
                for (int i = 0; i < senders; i++) {
                    if (hub.stats("file-" + i).received() != perSender) {
                        return false;
                    }
                }
                return true;
            });
        } finally {
            hub.close();
        }
        for (int i = 0; i < senders; i++) {
            String name = "file-" + i;
            List<String> lines = linesOldestFirst(name);
            List<String> records = lines.stream().filter(l -> l.contains(" tcp #")).toList();
            assertEquals(perSender, records.size(), name);
            for (int k = 0; k < perSender; k++) {
                assertTrue(records.get(k).contains(" tcp #" + k + " [test] " + name + ":" + k + " "),
                        "record " + k + " of " + name + ": " + records.get(k));
            }
            assertEquals(0, hub.stats(name).dropped());
        }
        assertTrue(Files.exists(dir.resolve("file-0.log.1")), "the files rotated");
    }

    private List<String> linesOldestFirst(String name) throws IOException {
        List<String> all = new ArrayList<>();
        for (int k = 1000; k >= 1; k--) {
            Path rotated = dir.resolve(name + ".log." + k);
            if (Files.exists(rotated)) {
                all.addAll(Files.readAllLines(rotated, StandardCharsets.UTF_8));
            }
        }
        all.addAll(Files.readAllLines(dir.resolve(name + ".log"), StandardCharsets.UTF_8));
        return all;
    }
}
