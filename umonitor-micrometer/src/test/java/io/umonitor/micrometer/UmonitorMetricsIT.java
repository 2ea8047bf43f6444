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

    private static double counter(SimpleMeterRegistry registry, String name) {
        FunctionCounter c = registry.find(name).tags("unikernel", "metered", "backend", "process").functionCounter();
        return c.count();
    }

    private static double state(SimpleMeterRegistry registry, String state) {
        Gauge g = registry.find("umonitor.unikernel.state").tags("unikernel", "metered", "state", state).gauge();
        return g.value();
    }
}
