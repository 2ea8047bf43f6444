package io.umonitor.syslog;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.umonitor.api.Attribute;
import io.umonitor.api.AttributeValue;
import io.umonitor.api.GuestClock;
import io.umonitor.api.LogFilter;
import io.umonitor.api.LogLevel;
import io.umonitor.api.LogOrigin;
import io.umonitor.api.LogRecord;
import io.umonitor.core.Monitor;
import io.umonitor.core.internal.log.DefaultLogHub;
import io.umonitor.core.internal.log.LogHubSettings;
import io.umonitor.core.internal.log.LogHub;
import io.umonitor.syslog.internal.SyslogCollectorExtension;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Both directions against a real rsyslog (Debian's rsyslogd and rsyslog-gnutls, started by the test in the
 * foreground with its own configuration): rsyslog forwarding a file it reads (imfile → omfwd) to the
 * receiver, and the forwarding sink delivering to rsyslog's imtcp, over TCP with octet counting and over TLS
 * with a test CA made by openssl, including rsyslog stopped and restarted mid-stream.
 */
class SyslogWithRsyslogIT {
    /** How long rsyslog is stopped mid-stream in the outage cases (issue 16 asks for 5 s). */
    private static final Duration OUTAGE = Duration.ofSeconds(5);
    private static final Pattern RECEIVED_AT = Pattern.compile("receivedAt=\"([^\"]+)\"");

    @TempDir
    Path dir;

    /** One test CA for the class: generating RSA keys is the slow part of a TLS test. */
    @TempDir
    static Path shared;

    @org.junit.jupiter.api.BeforeAll
    static void testCa() throws Exception {
        if (Rsyslog.installed() && ExternalTools.exists("openssl")) {
            ExternalTools.testCa(shared.resolve("ca"));
        }
    }

    @BeforeEach
    void tools() throws IOException {
        Assumptions.assumeTrue(Rsyslog.installed(), "rsyslogd is missing: apt-get install rsyslog rsyslog-gnutls");
        Assumptions.assumeTrue(ExternalTools.exists("openssl"), "openssl is missing: apt-get install openssl");
        Files.createDirectories(dir.resolve("ca"));
        for (String f : new String[] {"ca.pem", "server.pem", "server.key"}) {
            Files.copy(shared.resolve("ca").resolve(f), dir.resolve("ca").resolve(f));
        }
    }

    // ---- rsyslog → receiver ----

    @Test
    void rsyslogForwardingAFileOverTcpWithOctetCountingIsReceivedOnceWithItsLevelAndText() throws Exception {
        rsyslogToReceiver(false);
    }

    @Test
    void rsyslogForwardingAFileOverTlsWithATestCaIsReceivedOnceWithItsLevelAndText() throws Exception {
        Assumptions.assumeTrue(Files.exists(Path.of("/usr/lib/x86_64-linux-gnu/rsyslog/lmnsd_gtls.so"))
                || ExternalTools.exists("certtool"), "rsyslog's TLS driver is missing: apt-get install rsyslog-gnutls");
        rsyslogToReceiver(true);
    }

    private void rsyslogToReceiver(boolean tls) throws Exception {
        int port = ExternalTools.freePort();
        RecordingSink sink = new RecordingSink();
        DefaultLogHub base = DefaultLogHub.start(LogHubSettings.defaults().withTcpAddress(null)
                .withUdpAddress(null), List.of(sink));
        // TLS: any APP-NAME becomes an attached sender; TCP: only the launched (registered) name is taken, so
        // rsyslog's own messages on the same connection ("rsyslogd: start") are dropped, counted, and the
        // connection carries on.
        Map<String, String> settings = new HashMap<>(Map.of("attributeByName", "appname", "attachUnknown",
                Boolean.toString(tls)));
        if (tls) {
            settings.putAll(Map.of("tlsAddress", "127.0.0.1:" + port, "tlsCertificate", dir.resolve("ca/server.pem")
                    .toString(), "tlsKey", dir.resolve("ca/server.key").toString()));
        } else {
            settings.put("tcpAddress", "127.0.0.1:" + port);
        }
        SyslogCollectorExtension.SyslogCollector collector = new SyslogCollectorExtension().start(settings,
                base.collectorInput());
        LogHub hub = base;
        String app = tls ? "rs-tls" : "rs-tcp";
        if (!tls) {
            hub.registerSender(app, "token-of-the-launch");
        }
        Path input = dir.resolve("input.log");
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            lines.add("line " + i + " température ✓ 東京");
        }
        Files.write(input, lines, StandardCharsets.UTF_8);
        Path other = dir.resolve("other.log");
        Files.write(other, List.of("a", "b", "c", "d", "e"), StandardCharsets.UTF_8);
        String driver = tls ? " StreamDriver=\"gtls\" StreamDriverMode=\"1\" StreamDriverAuthMode=\"x509/name\""
                + " StreamDriverPermittedPeers=\"localhost\"" : "";
        String conf = (tls ? "global(DefaultNetstreamDriverCAFile=\"" + dir.resolve("ca/ca.pem") + "\")\n" : "")
                + "module(load=\"imfile\")\n"
                + "input(type=\"imfile\" File=\"" + input + "\" Tag=\"" + app + "\" Severity=\"warning\" Facility=\"local1\")\n"
                + "input(type=\"imfile\" File=\"" + other + "\" Tag=\"not-launched\")\n"
                + "action(type=\"omfwd\" target=\"127.0.0.1\" port=\"" + port + "\" protocol=\"tcp\""
                + " TCP_Framing=\"octet-counted\" template=\"RSYSLOG_SyslogProtocol23Format\" action.resumeInterval=\"1\""
                + driver + ")\n";
        try (Rsyslog rsyslog = new Rsyslog(dir.resolve("rsyslog"), conf).start()) {
            Rsyslog.await("50 records from rsyslog", Duration.ofSeconds(20), () -> sink.syslog(app).size() >= 50,
                    () -> sink.syslog(app).size() + " records; rsyslog: " + output(rsyslog));
            io.umonitor.syslog.internal.SyslogReceiver receiver = collector.receiver();
            if (!tls) {
                Rsyslog.await("5 lines of a program that was not launched, dropped", Duration.ofSeconds(10),
                        () -> receiver.counters().unattributed() == 5, receiver.counters()::toString);
                assertEquals(List.of(), hub.history("not-launched", LogFilter.ALL));
            } else {
                Rsyslog.await("the other program's 5 lines, attached", Duration.ofSeconds(10),
                        () -> sink.syslog("not-launched").size() == 5);
            }
            List<LogRecord> stored = hub.history(app, LogFilter.ALL);
            assertEquals(50, stored.size(), "each line once");
            for (int i = 0; i < 50; i++) {
                LogRecord r = stored.get(i);
                assertEquals(lines.get(i), r.message());
                assertEquals(LogLevel.WARN, r.level());
                assertEquals(new AttributeValue.Str("local1"), r.attribute("syslog.facility").orElseThrow());
                assertEquals(GuestClock.WALL, r.guestClock());
            }
        } finally {
            collector.close();
            hub.close();
        }
    }

    @Test
    void withTlsClientCaOnlyClientsPresentingACertificateItSignedAreHeardOthersFailTheHandshakeCounted()
            throws Exception {
        int port = ExternalTools.freePort();
        RecordingSink sink = new RecordingSink();
        DefaultLogHub base = DefaultLogHub.start(LogHubSettings.defaults().withTcpAddress(null)
                .withUdpAddress(null), List.of(sink));
        String ca = dir.resolve("ca/ca.pem").toString();
        LogHub hub = base;
        SyslogCollectorExtension.SyslogCollector collector = new SyslogCollectorExtension().start(Map.of(
                "tlsAddress", "127.0.0.1:" + port,
                "tlsCertificate", dir.resolve("ca/server.pem").toString(), "tlsKey",
                dir.resolve("ca/server.key").toString(), "tlsClientCa", ca, "attributeByName", "appname",
                "attachUnknown", "true"), base.collectorInput());
        io.umonitor.syslog.internal.SyslogReceiver receiver =
                collector.receiver();
        try {
            String message = "<14>1 - client mtls-app - - - with a certificate";
            byte[] frame = (message.length() + " " + message).getBytes(StandardCharsets.US_ASCII);
            // openssl s_client plays a client nobody here wrote, once with a certificate the CA signed, once without.
            ExternalTools.run(frame, List.of("openssl", "s_client", "-quiet", "-no_ign_eof", "-connect",
                    "127.0.0.1:" + port, "-CAfile", ca, "-cert", dir.resolve("ca/server.pem").toString(), "-key",
                    dir.resolve("ca/server.key").toString()));
            try {
                ExternalTools.run("no certificate".getBytes(StandardCharsets.US_ASCII), List.of("openssl", "s_client",
                        "-quiet", "-no_ign_eof", "-connect", "127.0.0.1:" + port, "-CAfile", ca));
            } catch (IOException refused) {
                // s_client reports the refused handshake with a non-zero exit
            }
            Rsyslog.await("one accepted, one handshake refused", Duration.ofSeconds(10),
                    () -> receiver.counters().accepted() == 1 && receiver.counters().tlsHandshakesFailed() == 1,
                    receiver.counters()::toString);
            assertEquals("with a certificate", sink.syslog("mtls-app").get(0).message());
            assertEquals(1, sink.syslogCount());
        } finally {
            collector.close();
            hub.close();
        }
    }

    private static String output(Rsyslog rsyslog) {
        try {
            return rsyslog.output();
        } catch (IOException e) {
            return e.toString();
        }
    }

    // ---- forwarding sink → rsyslog ----

    private String imtcpConfig(int port, boolean tls, Path out) {
        String fields = "%msgid%|%app-name%|%hostname%|%syslogseverity%|%syslogfacility%|%timereported:::date-rfc3339%"
                + "|%structured-data%|%msg%\\n";
        return (tls ? "global(DefaultNetstreamDriverCAFile=\"" + dir.resolve("ca/ca.pem") + "\""
                + " DefaultNetstreamDriverCertFile=\"" + dir.resolve("ca/server.pem") + "\""
                + " DefaultNetstreamDriverKeyFile=\"" + dir.resolve("ca/server.key") + "\")\n"
                + "module(load=\"imtcp\" StreamDriver.Name=\"gtls\" StreamDriver.Mode=\"1\" StreamDriver.AuthMode=\"anon\")\n"
                : "module(load=\"imtcp\")\n")
                + "input(type=\"imtcp\" port=\"" + port + "\" address=\"127.0.0.1\")\n"
                + "template(name=\"fields\" type=\"string\" string=\"" + fields + "\")\n"
                + "action(type=\"omfile\" file=\"" + out + "\" template=\"fields\")\n";
    }

    private Monitor forwardingMonitor(SyslogForwardingSink forward, RecordingSink all, int port, boolean tls,
            Map<String, String> more) {
        Monitor.Builder builder = Monitor.builder().discoverProviders(false).sink(forward).sink(all)
                .stateDirectory(dir.resolve("state")).closeOnJvmExit(false)
                .property("log.tcpAddress", "off").property("log.udpAddress", "off")
                .property("syslog.forward.address", "127.0.0.1:" + port)
                .property("syslog.forward.hostname", "fleet-host-a")
                .property("syslog.forward.facility", "local2")
                .property("syslog.forward.reconnectMaxMs", "300");
        if (tls) {
            builder.property("syslog.forward.tls", "true").property("syslog.forward.tlsCa",
                    dir.resolve("ca/ca.pem").toString());
        }
        more.forEach(builder::property);
        return builder.build();
    }

    private static LogRecord record(String unikernel, int i) {
        Instant t = Instant.now();
        return new LogRecord(unikernel, LogOrigin.TCP, i, GuestClock.WALL, t.getEpochSecond() * 1_000_000_000L
                + t.getNano(), t, i % 7 == 0 ? LogLevel.ERROR : LogLevel.INFO, "http",
                "record " + i + " température ✓ 東京", List.of(Attribute.of("n", i), Attribute.of("path", "/a\"]\\b")));
    }

    @Test
    void theForwardingSinkDeliversEveryRecordToRsyslogOverTcpAsRfc5424WithStructuredData() throws Exception {
        forwardAndCompare(false, false, Map.of());
    }

    @Test
    void theForwardingSinkDeliversEveryRecordToRsyslogOverTls() throws Exception {
        forwardAndCompare(true, false, Map.of());
    }

    @Test
    void rsyslogStoppedForSecondsMidStreamAndRestarted_whatIsMissingIsExactlyWhatIsCountedLost() throws Exception {
        forwardAndCompare(false, true, Map.of());
    }

    @Test
    void overTlsWithASmallBufferWhileRsyslogIsDown_everyRecordThatDidNotFitIsCountedLostAndNoOther()
            throws Exception {
        forwardAndCompare(true, true, Map.of("syslog.forward.bufferBytes", "65536"));
    }

    private void forwardAndCompare(boolean tls, boolean outage, Map<String, String> more) throws Exception {
        int port = ExternalTools.freePort();
        Path out = dir.resolve("received.log");
        SyslogForwardingSink forward = new SyslogForwardingSink();
        RecordingSink all = new RecordingSink();
        int n = outage ? 3000 : 500;
        long connectionsBeforeRestart = 0;
        long outageMillis = 0;
        long withheld;
        try (Rsyslog rsyslog = new Rsyslog(dir.resolve("rsyslog"), imtcpConfig(port, tls, out)).start()) {
            Rsyslog.await("rsyslog listening", Duration.ofSeconds(15), () -> canConnect(port, tls));
            Monitor monitor = forwardingMonitor(forward, all, port, tls, more);
            try {
                long stoppedAt = 0;
                monitor.publish(record("fleet-a", 0));
                Rsyslog.await("the first connection", Duration.ofSeconds(15), () -> forward.connections() >= 1);
                // With an outage: a third of the records, then rsyslog stopped for OUTAGE (the records published
                // meanwhile wait in the sink's buffer or are counted lost), restarted, and a third more.
                int third = n / 3;
                for (int i = 1; i < n; i++) {
                    if (outage && i == third && stoppedAt == 0) {
                        rsyslog.stop();
                        stoppedAt = System.nanoTime();
                    }
                    boolean down = stoppedAt != 0 && outageMillis == 0;
                    if (down && System.nanoTime() - stoppedAt >= OUTAGE.toNanos()) {
                        connectionsBeforeRestart = forward.connections();
                        outageMillis = (System.nanoTime() - stoppedAt) / 1_000_000;
                        rsyslog.start();
                        n = i + third;
                        down = false;
                    }
                    if (down && i >= n - 1) {
                        n++; // the outage lasts a time, not a number of records
                    }
                    monitor.publish(record("fleet-a", i));
                    if (outage ? i % 2 == 0 : i % 20 == 0) {
                        Thread.sleep(down ? 5 : 1); // pace the stream
                    }
                }
                long before = connectionsBeforeRestart;
                Rsyslog.await("the forwarder to connect again", Duration.ofSeconds(20),
                        () -> !outage || forward.connections() > before, () -> forward.connections() + " connections, "
                                + forward.lost() + " lost; rsyslog alive " + rsyslog.isAlive() + ": " + output(rsyslog));
            } finally {
                monitor.close(); // the sink sends what waits (up to 5 s), then counts the rest lost
            }
            // The monitor's own reports about the failing sink never go into it (they would fail and report
            // themselves again): the hub counts those it withheld, so every record not delivered is counted.
            Map<String, Long> counters = monitor.logCounters();
            withheld = counters.getOrDefault("sink.syslog.reportsKeptOut", 0L)
                    + counters.getOrDefault("sink.syslog.failureReportsWithheld", 0L);
            // Count distinct records, not lines: resent duplicates would otherwise end the wait while rsyslog
            // still has the tail of the stream to store, and stopping it then loses that tail uncounted.
            // No failure on timeout here: the comparison below then names the records that went missing.
            long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
            while (distinctStored(out) < all.records.size() - forward.lost() - withheld
                    && System.nanoTime() - deadline < 0) {
                Thread.sleep(20);
            }
            rsyslog.stop();
        }
        // Compare what the monitor handed to its sinks with what rsyslog stored, record by record.
        Map<String, Integer> stored = new HashMap<>();
        Map<String, String[]> fieldsByKey = new HashMap<>();
        for (String line : lines(out)) {
            String[] f = line.split("\\|", 8);
            if (f[0].equals("-")) {
                continue; // the readiness probe's message
            }
            Matcher m = RECEIVED_AT.matcher(f[6]);
            assertTrue(m.find(), "every forwarded message carries receivedAt: " + line);
            String key = f[0] + " " + m.group(1) + " " + f[7];
            stored.merge(key, 1, Integer::sum);
            fieldsByKey.put(key, f);
        }
        int missing = 0;
        int duplicates = 0;
        int ours = 0;
        StringBuilder missingRanges = new StringBuilder(); // which sequences, so a mismatch can be told apart
        List<String> missingOthers = new java.util.ArrayList<>();
        long rangeStart = -1;
        long rangeEnd = -2;
        for (LogRecord r : all.records) {
            String key = r.origin().name() + " " + r.receivedAt() + " " + r.message();
            int count = stored.getOrDefault(key, 0);
            if (count == 0) {
                missing++;
                if (r.origin() != LogOrigin.TCP) {
                    missingOthers.add(r.origin() + " " + r.receivedAt() + " " + r.message()); // the monitor's own
                    continue;
                }
                if (r.sequence() != rangeEnd + 1) {
                    appendRange(missingRanges, rangeStart, rangeEnd);
                    rangeStart = r.sequence();
                }
                rangeEnd = r.sequence();
                continue;
            }
            duplicates += count - 1;
            if (r.origin() == LogOrigin.TCP) {
                ours++;
                String[] f = fieldsByKey.get(key);
                assertEquals("fleet-a", f[1]);
                assertEquals("fleet-host-a", f[2]);
                assertEquals(r.level() == LogLevel.ERROR ? "3" : "6", f[3]);
                assertEquals("18", f[4], "facility local2");
                assertTrue(f[6].contains("n=\"" + r.sequence() + "\"") && f[6].contains("path=\"/a\\\"\\]\\\\b\""),
                        "attributes as escaped structured data: " + f[6]);
                assertEquals(r.guestWallTime().orElseThrow().truncatedTo(java.time.temporal.ChronoUnit.MICROS),
                        java.time.OffsetDateTime.parse(f[5]).toInstant());
            }
        }
        String summary = "rsyslog down " + outageMillis + " ms, sent to sinks " + all.records.size() + ", missing " + missing + ", duplicates " + duplicates
                + ", lost " + forward.lost() + ", reports withheld from the failing sink " + withheld
                + ", resent " + forward.resent() + ", connections "
                + forward.connections() + ", missing sequences " + appendRange(missingRanges, rangeStart, rangeEnd)
                + ", missing other records " + missingOthers;
        System.out.println("forwarding " + (tls ? "TLS" : "TCP") + (outage ? " with outage: " : ": ") + summary);
        assertEquals(forward.lost() + withheld, missing,
                "missing records are exactly those counted lost or withheld: " + summary);
        assertTrue(duplicates <= forward.resent(), "every duplicate was a counted resend: " + summary);
        if (outage) {
            assertTrue(outageMillis >= OUTAGE.toMillis(), "rsyslog was down for 5 s mid-stream: " + summary);
        }
        if (more.containsKey("syslog.forward.bufferBytes")) {
            assertTrue(forward.lost() > 0, "a 64 KiB buffer cannot hold 5 s of records: " + summary);
        } else {
            assertEquals(n, ours, "every record arrived: " + summary);
            assertEquals(0, forward.lost(), summary);
        }
    }

    private static int distinctStored(Path out) {
        java.util.Set<String> keys = new java.util.HashSet<>();
        for (String line : lines(out)) {
            String[] f = line.split("\\|", 8);
            Matcher m = f.length == 8 ? RECEIVED_AT.matcher(f[6]) : null;
            if (!f[0].equals("-") && m != null && m.find()) {
                keys.add(f[0] + " " + m.group(1) + " " + f[7]);
            }
        }
        return keys.size();
    }

    private static StringBuilder appendRange(StringBuilder ranges, long start, long end) {
        if (start >= 0) {
            ranges.append(ranges.length() == 0 ? "" : ",").append(start).append(start == end ? "" : "-" + end);
        }
        return ranges;
    }

    /** Whether rsyslog accepts a connection (with TLS: completes a handshake, so no half-open probe upsets it). */
    private boolean canConnect(int port, boolean tls) {
        try (java.net.Socket s = tls ? io.umonitor.syslog.internal.Tls.context("test", null, null,
                dir.resolve("ca/ca.pem")).getSocketFactory().createSocket("127.0.0.1", port)
                : new java.net.Socket("127.0.0.1", port)) {
            if (s instanceof javax.net.ssl.SSLSocket ssl) {
                s.setSoTimeout(3000);
                ssl.startHandshake();
                s.getOutputStream().write("5 <13>x".getBytes(StandardCharsets.US_ASCII)); // a valid frame, no garbage
            }
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static List<String> lines(Path file) {
        try {
            return Files.exists(file) ? Files.readAllLines(file, StandardCharsets.UTF_8) : List.of();
        } catch (IOException e) {
            return List.of();
        }
    }
}
