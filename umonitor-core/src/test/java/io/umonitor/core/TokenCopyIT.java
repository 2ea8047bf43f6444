package io.umonitor.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.umonitor.api.ExitClassification;
import io.umonitor.api.LogFilter;
import io.umonitor.api.LogLevel;
import io.umonitor.api.LogOrigin;
import io.umonitor.api.LogRecord;
import io.umonitor.api.UnikernelHandle;
import io.umonitor.api.UnikernelSpec;
import io.umonitor.api.Availability;
import io.umonitor.api.CollectorEndpoint;
import io.umonitor.api.spi.LaunchRequest;
import io.umonitor.api.spi.LaunchedUnikernel;
import io.umonitor.api.spi.ProviderContext;
import io.umonitor.api.spi.UnikernelBackend;
import io.umonitor.core.backend.process.ProcessBackend;
import io.umonitor.protocol.FrameEncoder;
import io.umonitor.protocol.Hello;
import io.umonitor.protocol.RecordFrame;
import io.umonitor.testkit.CClientGuests;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A backend whose token other users can read (as Solo5's tender command line): someone who copied the token
 * of a running guest forges a record with it in a session of their own. The monitor refuses it, counts it
 * against the guest, and keeps every record of the guest's own session. (Process guests get their token
 * privately; the process backend stands in for a tender here, so only the flag differs.)
 */
@Timeout(60)
class TokenCopyIT {
    private static final String GUEST = """
            #include <stdio.h>
            #include <unistd.h>
            #include "umonitor_log.h"

            int main(void)
            {
                int i;
                if (umon_init_from_env() != UMON_OK)
                    return 2;
                for (i = 0; i < 10; i++)
                    send_log(UMON_INFO, "guest record %d", i);
                printf("logged\\n");
                fflush(stdout);
                sleep(3);
                for (i = 10; i < 20; i++)
                    send_log(UMON_INFO, "guest record %d", i);
                umon_shutdown("done");
                return 0;
            }
            """;

    @TempDir
    Path dir;

    /** The process backend, saying its token is visible to other users. */
    private static final class VisibleTokenBackend implements UnikernelBackend {
        private final ProcessBackend delegate = new ProcessBackend();

        @Override
        public String id() {
            return delegate.id();
        }

        @Override
        public Availability availability() {
            return delegate.availability();
        }

        @Override
        public void initialize(ProviderContext context) {
            delegate.initialize(context);
        }

        @Override
        public LaunchedUnikernel launch(LaunchRequest request) {
            return delegate.launch(request);
        }

        @Override
        public boolean tokenVisibleToOtherUsers() {
            return true;
        }
    }

    @Test
    void aCopiedTokenPresentedInAnotherSessionIsRefusedAndTheGuestKeepsLogging() throws Exception {
        Path guest = CClientGuests.compile(dir, "copy-guest", GUEST);

        try (Monitor monitor = Monitor.builder().discoverProviders(false).backend(new VisibleTokenBackend()).build()) {
            UnikernelHandle handle = monitor.launch(UnikernelSpec.builder("copied", guest).build());
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (monitor.logs("copied", LogFilter.ALL).stream().filter(r -> r.origin() == LogOrigin.TCP).count() < 10
                    && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            ProcessHandle process = ProcessHandle.current().descendants()
                    .filter(p -> p.info().command().map(c -> c.endsWith("copy-guest")).orElse(false)).findFirst()
                    .orElseThrow();
            String token = null;
            for (String e : new String(Files.readAllBytes(Path.of("/proc", Long.toString(process.pid()), "environ")),
                    StandardCharsets.UTF_8).split("\0")) {
                if (e.startsWith("UMONITOR_TOKEN=")) {
                    token = e.substring("UMONITOR_TOKEN=".length());
                }
            }
            assertTrue(token != null, "the guest has a token to copy");
            InetSocketAddress tcp = monitor.endpoints().stream()
                    .filter(e -> e.transport() == CollectorEndpoint.Transport.TCP).findFirst().orElseThrow().address();
            FrameEncoder encoder = new FrameEncoder();
            try (Socket forger = new Socket(tcp.getAddress(), tcp.getPort())) {
                OutputStream o = forger.getOutputStream();
                o.write(encoder.encode(new Hello("copied", token, "forger", "1", 424242)));
                o.write(encoder.encode(new RecordFrame(0, io.umonitor.api.GuestClock.WALL, 0, LogLevel.ERROR, "forged",
                        "FORGED: disk wiped", List.of())));
                forger.shutdownOutput();
                forger.setSoTimeout(10_000);
                while (forger.getInputStream().read() >= 0) {
                    // until the collector closes it
                }
            } catch (java.io.IOException closed) {
                // refused while still writing
            }
            assertEquals(ExitClassification.NORMAL, handle.termination().get(30, TimeUnit.SECONDS).classification());
            deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            List<LogRecord> tcpRecords;
            do {
                tcpRecords = monitor.logs("copied", LogFilter.ALL).stream().filter(r -> r.origin() == LogOrigin.TCP)
                        .toList();
                Thread.sleep(20);
            } while (tcpRecords.size() < 20 && System.nanoTime() < deadline);
            assertEquals(20, tcpRecords.size(), "every record of the guest's own session: " + tcpRecords);
            assertTrue(tcpRecords.stream().noneMatch(r -> r.message().contains("FORGED")), "no forged record stored");
            assertEquals(1, monitor.logStats("copied").rejected(), "the forgery counted against the guest");
            assertTrue(monitor.logs("copied", LogFilter.ALL).stream().anyMatch(r -> r.origin() == LogOrigin.MONITOR
                    && r.message().contains("a copied token?")), "and reported in its log");
        }
    }
}
