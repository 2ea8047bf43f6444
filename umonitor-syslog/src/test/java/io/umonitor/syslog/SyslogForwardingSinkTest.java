package io.umonitor.syslog;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.umonitor.api.ConfigurationException;
import io.umonitor.api.LogLevel;
import io.umonitor.api.LogOrigin;
import io.umonitor.api.LogRecord;
import io.umonitor.api.spi.RecordsLostException;
import io.umonitor.api.spi.ProviderContext;
import io.umonitor.core.Monitor;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SyslogForwardingSinkTest {
    @TempDir
    Path dir;

    @Test
    void withoutAForwardAddressTheSinkIsOffAndTheMonitorGivesItNoThread() {
        SyslogForwardingSink sink = new SyslogForwardingSink();
        try (Monitor monitor = Monitor.builder().discoverProviders(false).sink(sink).stateDirectory(dir.resolve("s"))
                .workDirectory(dir.resolve("w")).closeOnJvmExit(false).build()) {
            assertFalse(sink.isEnabled());
            assertTrue(Thread.getAllStackTraces().keySet().stream()
                    .noneMatch(t -> t.getName().contains("sink-syslog") || t.getName().contains("syslog-forward")),
                    "no sink thread and no forwarder for a sink that is off");
        }
    }

    @Test
    void everyInvalidForwardSettingIsNamedInOneError() {
        SyslogForwardingSink sink = new SyslogForwardingSink();
        ConfigurationException e = assertThrows(ConfigurationException.class, () -> sink.open(new ProviderContext(
                Map.of("forward.address", "nowhere", "forward.facility", "kitchen", "forward.sdId", "has space",
                        "forward.tlsCa", "/x.pem", "forward.bogus", "1"), dir, dir)));
        for (String named : new String[] {"syslog.forward.address", "syslog.forward.facility", "syslog.forward.sdId",
            "syslog.forward.tls is not true", "syslog.forward.bogus"}) {
            assertTrue(e.getMessage().contains(named), named + " in: " + e.getMessage());
        }
    }

    /**
     * A server that accepts and never reads: once the socket buffers and the forwarding buffer are full, the
     * loss report says the server is slow, not that it is unreachable (it said "unreachable (not connected
     * yet)" while connected).
     */
    @Test
    void aConnectedServerThatReadsNothingIsReportedAsSlowNotUnreachable() throws Exception {
        try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            Socket[] accepted = new Socket[1];
            Thread acceptor = new Thread(() -> {
                try {
                    accepted[0] = server.accept();
                } catch (java.io.IOException e) {
                    // the test fails below on the missing connection
                }
            });
            acceptor.start();
            SyslogForwardingSink sink = new SyslogForwardingSink();
            sink.open(new ProviderContext(Map.of("forward.address", "127.0.0.1:" + server.getLocalPort(),
                    "forward.bufferBytes", "65536"), dir, dir));
            try {
                LogRecord record = LogRecord.simple("slowpoke", LogOrigin.TCP, LogLevel.INFO, "app",
                        "x".repeat(200));
                sink.accept(record);
                sink.flush();   // returns once that record is written: the connection is up
                acceptor.join(10_000);
                assertTrue(accepted[0] != null, "the forwarder connected");
                RecordsLostException lost = null;
                // Loopback socket buffers hold a few MiB; 200,000 records of ~280 bytes are far more than that.
                for (int i = 0; i < 200_000 && lost == null; i++) {
                    try {
                        sink.accept(record);
                    } catch (RecordsLostException e) {
                        lost = e;
                    }
                }
                assertTrue(lost != null, "200,000 records to a server that reads nothing overflow 64 KiB");
                assertTrue(lost.getMessage().contains("connected but taking records more slowly than they arrive"),
                        lost.getMessage());
                assertFalse(lost.getMessage().contains("unreachable"), lost.getMessage());
            } finally {
                if (accepted[0] != null) {
                    accepted[0].close();   // first, so closing the sink does not wait for a server that reads nothing
                }
                sink.close();
            }
        }
    }

    @Test
    void aServerThatIsNotListeningIsReportedAsUnreachableWithItsError() throws Exception {
        int closedPort;
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closedPort = probe.getLocalPort();
        }
        SyslogForwardingSink sink = new SyslogForwardingSink();
        sink.open(new ProviderContext(Map.of("forward.address", "127.0.0.1:" + closedPort,
                "forward.bufferBytes", "65536"), dir, dir));
        try {
            LogRecord record = LogRecord.simple("lonely", LogOrigin.TCP, LogLevel.INFO, "app", "y".repeat(200));
            RecordsLostException lost = null;
            for (int i = 0; i < 10_000 && lost == null; i++) {
                try {
                    sink.accept(record);
                } catch (RecordsLostException e) {
                    lost = e;
                }
            }
            assertTrue(lost != null, "10,000 records of ~280 bytes overflow 64 KiB");
            assertTrue(lost.getMessage().contains("unreachable ("), lost.getMessage());
            assertTrue(lost.getMessage().contains("syslog.forward.bufferBytes"), lost.getMessage());
        } finally {
            sink.close();
        }
    }
}
