package io.umonitor.micrometer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.umonitor.api.ExitInfo;
import io.umonitor.api.RestartPolicy;
import io.umonitor.api.UnikernelHandle;
import io.umonitor.api.UnikernelSpec;
import io.umonitor.core.Monitor;
import io.umonitor.core.backend.process.ProcessBackend;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** A real process guest that fails once and is restarted, seen through a Micrometer registry. */
@Timeout(60)
class UmonitorMetricsIT {

    @Test
    void countersGaugesAndTheLaunchTimerFollowARealGuestAcrossARestart(@TempDir Path dir) throws Exception {
        Path guest = dir.resolve("guest.sh");
        Files.writeString(guest, "#!/bin/sh\necho one\necho two\necho three\nexit 3\n");
        guest.toFile().setExecutable(true);
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        try (Monitor monitor = Monitor.builder().discoverProviders(false).backend(new ProcessBackend())
                .stateDirectory(dir.resolve("state")).workDirectory(dir.resolve("work")).build();
                UmonitorMetrics metrics = new UmonitorMetrics(monitor)) {
            metrics.bindTo(registry);
            UnikernelHandle handle = monitor.launch(UnikernelSpec.builder("metered", guest)
                    .restartPolicy(RestartPolicy.onFailure(1, Duration.ofMillis(50), Duration.ofMillis(50))).build());
            ExitInfo exit = handle.termination().get(30, TimeUnit.SECONDS);
            assertEquals(3, exit.exitCode());

            assertEquals(1.0, counter(registry, "umonitor.unikernel.restarts"));
            long received = monitor.logStats("metered").received();
            assertTrue(received >= 6, "three console lines per run, two runs: " + received);
            assertEquals(received, counter(registry, "umonitor.records.received"),
                    "the counter reads the monitor's own figure");
            assertEquals(0.0, counter(registry, "umonitor.records.dropped"));
            Timer launch = registry.find("umonitor.launch").tags("unikernel", "metered", "backend", "process").timer();
            assertEquals(2, launch.count(), "one launch-to-RUNNING sample per launch and restart");
            assertTrue(launch.totalTime(TimeUnit.NANOSECONDS) > 0);
            assertEquals(1.0, state(registry, handle.state().name()));
            assertEquals(0.0, state(registry, "RUNNING"));
        }
        assertNull(registry.find("umonitor.records.received").functionCounter(), "close removes the meters");
    }

    /**
     * Real refusals, connections and a stalled sink, read through the registry: five silent TCP connections
     * from one peer limited to three evict the two oldest (counted by reason), three stay open waiting for a
     * HELLO, and 50 records published while the only sink is stuck in its first leave 49 in its queue.
     */
    @Test
    void refusalsByReasonOpenConnectionsAndSinkQueueDepthAreRealFigures(@TempDir Path dir) throws Exception {
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        io.umonitor.api.spi.LogSink stuck = new io.umonitor.api.spi.LogSink() {
            @Override
            public String id() {
                return "stuck";
            }

            @Override
            public void accept(io.umonitor.api.LogRecord record) {
                try {
                    release.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        };
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        java.util.List<java.net.Socket> silent = new java.util.ArrayList<>();
        try (Monitor monitor = Monitor.builder().discoverProviders(false).backend(new ProcessBackend()).sink(stuck)
                .stateDirectory(dir.resolve("state")).workDirectory(dir.resolve("work"))
                .property("log.maxConnectionsPerPeer", "3").property("log.helloTimeoutMs", "120000").build();
                UmonitorMetrics metrics = new UmonitorMetrics(monitor)) {
            metrics.bindTo(registry);
            io.umonitor.api.CollectorEndpoint tcp = monitor.endpoints().stream()
                    .filter(e -> e.transport() == io.umonitor.api.CollectorEndpoint.Transport.TCP).findFirst()
                    .orElseThrow();
            for (int i = 0; i < 5; i++) {
                silent.add(new java.net.Socket(tcp.address().getAddress(), tcp.address().getPort()));
                if (i < 4) {
                    int opened = i + 1;
                    // One at a time, so which connections the limit evicts (the oldest) is known.
                    io.umonitor.testkit.Await.until(opened + " connections seen", Duration.ofSeconds(20),
                            () -> gauge(registry, "umonitor.connections", "kind", "pending")
                                    + meter(registry, "umonitor.input.refused", "reason", "pendingEvicted")
                                    == opened);
                }
            }
            io.umonitor.testkit.Await.until("two evicted, three pending", Duration.ofSeconds(20),
                    () -> meter(registry, "umonitor.input.refused", "reason", "pendingEvicted") == 2
                            && gauge(registry, "umonitor.connections", "kind", "pending") == 3);
            assertEquals(0.0, gauge(registry, "umonitor.connections", "kind", "launched"));
            assertEquals(0.0, meter(registry, "umonitor.input.refused", "reason", "perPeer"));

            for (int i = 0; i < 50; i++) {
                monitor.publish(io.umonitor.api.LogRecord.simple("queued", io.umonitor.api.LogOrigin.MONITOR,
                        io.umonitor.api.LogLevel.INFO, "test", "record " + i));
            }
            io.umonitor.testkit.Await.until("49 records waiting behind the stuck one", Duration.ofSeconds(20),
                    () -> gauge(registry, "umonitor.sink.queue", "sink", "stuck") == 49);
            release.countDown();
            io.umonitor.testkit.Await.until("the queue drained", Duration.ofSeconds(20),
                    () -> gauge(registry, "umonitor.sink.queue", "sink", "stuck") == 0);
            System.out.println("scraped: pending " + gauge(registry, "umonitor.connections", "kind", "pending")
                    + ", refused pendingEvicted " + meter(registry, "umonitor.input.refused", "reason", "pendingEvicted")
                    + ", unattributed " + meter(registry, "umonitor.input.refused", "reason", "unattributed"));
        } finally {
            release.countDown();
            for (java.net.Socket s : silent) {
                s.close();
            }
        }
        assertNull(registry.find("umonitor.sink.queue").gauge(), "close removes the monitor-wide meters too");
    }

    private static double gauge(SimpleMeterRegistry registry, String name, String tag, String value) {
        return registry.find(name).tags(tag, value).gauge().value();
    }

    private static double meter(SimpleMeterRegistry registry, String name, String tag, String value) {
        return registry.find(name).tags(tag, value).functionCounter().count();
    }

    private static double counter(SimpleMeterRegistry registry, String name) {
        FunctionCounter c = registry.find(name).tags("unikernel", "metered", "backend", "process").functionCounter();
        return c.count();
    }

    private static double state(SimpleMeterRegistry registry, String state) {
        Gauge g = registry.find("umonitor.unikernel.state").tags("unikernel", "metered", "state", state).gauge();
        return g.value();
    }
}
