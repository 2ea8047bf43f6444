package io.umonitor.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.umonitor.api.ExitClassification;
import io.umonitor.api.LogFilter;
import io.umonitor.api.LogOrigin;
import io.umonitor.api.LogRecord;
import io.umonitor.api.UnikernelHandle;
import io.umonitor.api.UnikernelSpec;
import io.umonitor.api.CollectorEndpoint;
import io.umonitor.core.attack.ConnectionStormMain;
import io.umonitor.core.backend.process.ProcessBackend;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import io.umonitor.testkit.CClientGuests;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A hostile local process holds 5,000 TCP connections to the collector (and reopens every one that is
 * closed); a guest launched through the Monitor afterwards must still deliver all of its 3,000 TCP records.
 * Before admission control the storm took all 4,096 slots and the guest delivered 0 of 3,000.
 */
@Timeout(120)
class ConnectionStormIT {
    private static final int STORM = 5000;
    private static final int RECORDS = 3000;
    private static final String GUEST_SOURCE = """
            #include <stdio.h>
            #include <stdlib.h>
            #include "umonitor_log.h"

            int main(int argc, char **argv)
            {
                int count = atoi(argv[1]);
                int i;
                if (umon_init_from_env() != UMON_OK) {
                    fprintf(stderr, "%s\\n", umon_init_error());
                    return 2;
                }
                for (i = 0; i < count; i++)
                    send_log(UMON_INFO, "storm guest record %d", i);
                umon_shutdown("done");
                return 0;
            }
            """;

    private static Path guest;

    @BeforeAll
    static void compileGuest(@TempDir Path dir) throws Exception {
        guest = CClientGuests.compile(dir, "storm-guest", GUEST_SOURCE);
    }


    @Test
    void aLaunchedGuestDeliversEveryRecordWhileAHostileProcessHoldsFiveThousandConnections() throws Exception {
        try (Monitor monitor = Monitor.builder().discoverProviders(false).backend(new ProcessBackend()).build()) {
            InetSocketAddress tcp = monitor.endpoints().stream()
                    .filter(e -> e.transport() == CollectorEndpoint.Transport.TCP).findFirst().orElseThrow().address();
            String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
            Process storm = new ProcessBuilder(java, "-Xmx64m", "-cp", System.getProperty("java.class.path"),
                    ConnectionStormMain.class.getName(), tcp.getAddress().getHostAddress(),
                    Integer.toString(tcp.getPort()), Integer.toString(STORM), "60").redirectErrorStream(true).start();
            BlockingQueue<String> stormOutput = new LinkedBlockingQueue<>();
            Thread reader = new Thread(() -> {
                try (BufferedReader r = new BufferedReader(
                        new InputStreamReader(storm.getInputStream(), StandardCharsets.UTF_8))) {
                    String line;
                    while ((line = r.readLine()) != null) {
                        stormOutput.add(line);
                    }
                } catch (java.io.IOException ignored) {
                    // the storm ended
                }
            });
            reader.setDaemon(true);
            reader.start();
            try {
                String line;
                long readyBy = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                do {
                    line = stormOutput.poll(1, TimeUnit.SECONDS);
                    assertTrue(System.nanoTime() < readyBy, "the storm did not establish " + STORM
                            + " connections within 30 s");
                } while (line == null || !line.startsWith("ready"));
                System.out.println("[storm] " + line);

                UnikernelHandle handle = monitor.launch(UnikernelSpec.builder("storm-guest", guest)
                        .argument(Integer.toString(RECORDS)).build());
                assertEquals(ExitClassification.NORMAL,
                        handle.termination().get(30, TimeUnit.SECONDS).classification());
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
                List<LogRecord> got;
                do {
                    got = monitor.logs("storm-guest", LogFilter.ALL).stream()
                            .filter(r -> r.origin() == LogOrigin.TCP).toList();
                    if (got.size() >= RECORDS) {
                        break;
                    }
                    Thread.sleep(50);
                } while (System.nanoTime() < deadline);
                System.out.println("[storm] guest delivered " + got.size() + " of " + RECORDS + " TCP records; stats "
                        + monitor.logStats("storm-guest") + "; storm says " + String.join(" | ", stormOutput));
                assertEquals(RECORDS, got.size(), "TCP records of the launched guest stored during the storm");
                for (int i = 0; i < RECORDS; i++) {
                    assertEquals("storm guest record " + i, got.get(i).message());
                }
                assertEquals(0, monitor.logStats("storm-guest").lost());
                java.util.Map<String, Long> counters = monitor.logCounters();
                System.out.println("[storm] collector counters " + counters);
                long refused = counters.get("tcp.refused.helloTimeout") + counters.get("tcp.refused.pendingEvicted");
                assertTrue(refused >= STORM - 1024, "silent connections closed and counted: " + counters);
                assertTrue(counters.get("tcp.connections.pending") <= 1024, "the pending share holds: " + counters);
                assertTrue(counters.get("input.refused.unattributed") >= refused, counters.toString());
            } finally {
                storm.destroyForcibly();
                storm.waitFor(10, TimeUnit.SECONDS);
            }
        }
    }
}
