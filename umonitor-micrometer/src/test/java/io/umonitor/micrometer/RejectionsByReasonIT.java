package io.umonitor.micrometer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.umonitor.api.CollectorEndpoint;
import io.umonitor.api.GuestClock;
import io.umonitor.api.LogLevel;
import io.umonitor.api.LogStats;
import io.umonitor.api.RejectReason;
import io.umonitor.api.UnikernelSpec;
import io.umonitor.core.Monitor;
import io.umonitor.core.backend.process.ProcessBackend;
import io.umonitor.protocol.FrameEncoder;
import io.umonitor.protocol.Hello;
import io.umonitor.protocol.RecordFrame;
import io.umonitor.testkit.Await;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Real bad input for one running process guest, counted by reason: three console lines that look
 * console-encoded but are not, a corrupt frame after a HELLO with the guest's token, two HELLOs with a wrong
 * token, and a connection that ends in the middle of a frame. Read back through {@link Monitor#logStats} and
 * a real Prometheus scrape, which must agree exactly.
 */
@Timeout(60)
class RejectionsByReasonIT {

    @TempDir
    Path dir;

    @Test
    void eachRefusalOfARealGuestIsCountedUnderItsReasonInTheApiAndThePrometheusScrape() throws Exception {
        Path tokenFile = dir.resolve("token");
        Path guest = dir.resolve("guest.sh");
        Files.writeString(guest, "#!/bin/sh\n"
                + "printf '%s' \"$UMONITOR_TOKEN\" > " + tokenFile + ".tmp\n"
                + "mv " + tokenFile + ".tmp " + tokenFile + "\n"
                + "echo '@UM1:not base64!!'\necho 'plain text is no rejection'\necho '@UM1:AAAA'\necho '@UM1:%%%'\n"
                + "exec sleep 120\n");
        assertTrue(guest.toFile().setExecutable(true));
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        try (Monitor monitor = Monitor.builder().discoverProviders(false).backend(new ProcessBackend())
                .stateDirectory(dir.resolve("state")).workDirectory(dir.resolve("work")).build();
                UmonitorMetrics metrics = new UmonitorMetrics(monitor)) {
            metrics.bindTo(registry);
            monitor.launch(UnikernelSpec.builder("guarded", guest).build());
            Await.until("the guest wrote its token", Duration.ofSeconds(20), () -> Files.exists(tokenFile));
            String token = Files.readString(tokenFile);
            InetSocketAddress tcp = monitor.endpoints().stream()
                    .filter(e -> e.transport() == CollectorEndpoint.Transport.TCP).findFirst().orElseThrow().address();
            FrameEncoder encoder = new FrameEncoder();
            byte[] corrupt = encoder.encode(new RecordFrame(0, GuestClock.WALL, 0, LogLevel.INFO, "t", "one",
                    List.of()));
            corrupt[corrupt.length - 1] ^= 0x55;
            sendUntilClosed(monitor, tcp, encoder.encode(new Hello("guarded", token, "test", "1", 7)), corrupt);
            sendUntilClosed(monitor, tcp, encoder.encode(new Hello("guarded", "not-the-token-1", "test", "1", 8)));
            sendUntilClosed(monitor, tcp, encoder.encode(new Hello("guarded", "not-the-token-2", "test", "1", 9)));
            byte[] whole = encoder.encode(new RecordFrame(0, GuestClock.WALL, 0, LogLevel.INFO, "t", "two",
                    List.of()));
            sendUntilClosed(monitor, tcp, encoder.encode(new Hello("guarded", token, "test", "1", 10)),
                    java.util.Arrays.copyOf(whole, whole.length / 2));

            Map<RejectReason, Long> expected = new EnumMap<>(RejectReason.class);
            expected.put(RejectReason.CORRUPT_FRAME, 1L);
            expected.put(RejectReason.WRONG_TOKEN, 2L);
            expected.put(RejectReason.TRUNCATED, 1L);
            expected.put(RejectReason.CONSOLE_LINE, 3L);
            LogStats stats = Await.value("seven rejections counted", Duration.ofSeconds(20),
                    () -> monitor.logStats("guarded"), s -> s.rejected() >= 7);
            assertEquals(7, stats.rejected(), stats.toString());
            assertEquals(expected, stats.rejectedByReason(), stats.toString());
            assertEquals(List.copyOf(expected.keySet()), List.copyOf(stats.rejectedByReason().keySet()),
                    "in the enum's order");

            String scrape = registry.scrape();
            Map<RejectReason, Long> scraped = new EnumMap<>(RejectReason.class);
            Matcher m = Pattern.compile("(?m)^umonitor_records_rejected_total\\{([^}]*)} (\\S+)$").matcher(scrape);
            int series = 0;
            while (m.find()) {
                assertTrue(m.group(1).contains("unikernel=\"guarded\""), m.group());
                Matcher reason = Pattern.compile("reason=\"(\\w+)\"").matcher(m.group(1));
                assertTrue(reason.find(), m.group());
                long n = (long) Double.parseDouble(m.group(2));
                series++;
                if (n != 0) {
                    scraped.put(RejectReason.valueOf(reason.group(1)), n);
                }
            }
            assertEquals(RejectReason.values().length, series, "one series per reason, zeros included:\n" + scrape);
            assertEquals(expected, scraped, "the scrape says what the API says:\n" + scrape);
            System.out.println("scraped rejections of 'guarded': " + scraped + " (API: " + stats + ")");
        }
    }

    /** Writes the frames and waits for the collector to close the connection, as it does after a refusal. */
    private static void sendUntilClosed(Monitor monitor, InetSocketAddress tcp, byte[]... frames)
            throws IOException {
        try (Socket s = new Socket(tcp.getAddress(), tcp.getPort())) {
            s.setSoTimeout(20_000);
            OutputStream out = s.getOutputStream();
            for (byte[] f : frames) {
                out.write(f);
            }
            out.flush();
            s.shutdownOutput();
            while (s.getInputStream().read() >= 0) {
                // until the collector closes it
            }
        } catch (java.net.SocketTimeoutException e) {
            throw new AssertionError("the collector kept the connection open; the guest's log: "
                    + monitor.logs("guarded", io.umonitor.api.LogFilter.ALL), e);
        } catch (java.net.SocketException closed) {
            // refused while still writing, or reset on close: the refusal is what the test counts
        }
    }
}
