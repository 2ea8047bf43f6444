package io.umonitor.syslog;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.umonitor.api.AttributeValue;
import io.umonitor.api.GuestClock;
import io.umonitor.api.LogFilter;
import io.umonitor.api.LogLevel;
import io.umonitor.api.LogRecord;
import io.umonitor.core.internal.log.DefaultLogHub;
import io.umonitor.core.internal.log.LogHubSettings;
import io.umonitor.core.internal.log.LogHub;
import io.umonitor.syslog.internal.SyslogCollectorExtension;
import io.umonitor.syslog.internal.SyslogReceiver;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * The receiver inside a real hub, fed by util-linux {@code logger} (clients nobody here wrote) and, for bad
 * input, by hand-made bytes on real loopback sockets.
 */
class SyslogReceiverIT {
    private final RecordingSink sink = new RecordingSink();
    private LogHub hub;
    private SyslogCollectorExtension.SyslogCollector collector;
    private DefaultLogHub base;
    private SyslogReceiver receiver;
    private int port;

    private void start(Map<String, String> more) throws IOException {
        port = ExternalTools.freePort();
        Map<String, String> settings = new HashMap<>(Map.of("udpAddress", "127.0.0.1:" + port,
                "tcpAddress", "127.0.0.1:" + port, "attributeByName", "appname", "attachUnknown", "true"));
        settings.putAll(more);
        base = DefaultLogHub.start(LogHubSettings.defaults().withTcpAddress(null).withUdpAddress(null),
                List.of(sink));
        collector = new SyslogCollectorExtension().start(settings, base.collectorInput());
        hub = base;
        receiver = collector.receiver();
    }

    @AfterEach
    void close() {
        if (collector != null) {
            collector.close();
        }
        if (hub != null) {
            hub.close();
        }
    }

    private static void assumeLogger() {
        Assumptions.assumeTrue(ExternalTools.exists("logger"), "util-linux logger is missing: apt-get install bsdutils");
    }

    private void logger(String... options) throws Exception {
        List<String> command = new ArrayList<>(List.of("logger", "-n", "127.0.0.1", "-P", Integer.toString(port)));
        command.addAll(List.of(options));
        ExternalTools.run(null, command);
    }

    @Test
    void loggerInRfc5424AndRfc3164OverUdpTcpAndOctetCountingIsStoredOnceWithLevelTimeStructuredDataAndText()
            throws Exception {
        assumeLogger();
        start(Map.of());
        String[][] variants = {
            {"l5424-udp", "--rfc5424", "-d"}, {"l5424-tcp", "--rfc5424", "-T"},
            {"l5424-octets", "--rfc5424", "-T", "--octet-count"},
            {"l3164-udp", "--rfc3164", "-d"}, {"l3164-tcp", "--rfc3164", "-T"},
            {"l3164-octets", "--rfc3164", "-T", "--octet-count"}};
        Instant before = Instant.now().minusSeconds(2);
        for (String[] v : variants) {
            List<String> options = new ArrayList<>(List.of(v).subList(1, v.length));
            options.addAll(List.of("-t", v[0], "-p", "local3.warning"));
            if (v[1].equals("--rfc5424")) {
                options.addAll(List.of("--msgid", "REQ", "--sd-id", "req@32473", "--sd-param", "ms=\"812\"",
                        "--sd-param", "path=\"/a \\\"b\\\"\""));
            }
            options.add("température ✓ " + v[0]);
            logger(options.toArray(String[]::new));
        }
        Rsyslog.await("6 messages", Duration.ofSeconds(10), () -> sink.syslogCount() == 6);

        for (String[] v : variants) {
            List<LogRecord> stored = hub.history(v[0], LogFilter.ALL);
            assertEquals(1, stored.size(), v[0] + " stored once: " + stored);
            assertEquals(1, sink.syslog(v[0]).size(), v[0] + " reached the sink once");
            LogRecord r = stored.get(0);
            assertEquals("température ✓ " + v[0], r.message(), v[0]);
            assertEquals(LogLevel.WARN, r.level(), v[0]);
            assertEquals(new AttributeValue.Str("local3"), r.attribute("syslog.facility").orElseThrow(), v[0]);
            assertEquals(GuestClock.WALL, r.guestClock(), v[0]);
            Instant t = r.guestWallTime().orElseThrow();
            assertTrue(t.isAfter(before) && t.isBefore(Instant.now().plusSeconds(2)), v[0] + " time " + t);
            if (v[1].equals("--rfc5424")) {
                assertEquals(new AttributeValue.Int(812), r.attribute("req@32473.ms").orElseThrow(), v[0]);
                assertEquals(new AttributeValue.Str("/a \"b\""), r.attribute("req@32473.path").orElseThrow(), v[0]);
                assertEquals(new AttributeValue.Str("REQ"), r.attribute("syslog.msgid").orElseThrow(), v[0]);
                assertEquals(new AttributeValue.Int(1), r.attribute("timeQuality.tzKnown").orElseThrow(), v[0]);
                assertTrue(r.attribute("syslog.timestamp").orElseThrow().render().matches(".*[+-]\\d\\d:\\d\\d|.*Z"),
                        "the sender's zone is kept: " + r.attribute("syslog.timestamp"));
            }
        }
        assertEquals(new SyslogReceiver.Counters(6, 0, 0, 0, 0, 0), receiver.counters());
    }

    @Test
    void malformedOversizedAndUnattributableInputIsRejectedAndCountedWhileGoodSendersKeepFlowing() throws Exception {
        assumeLogger();
        start(Map.of("maxMessageLength", "1024"));
        InetAddress loopback = InetAddress.getLoopbackAddress();
        int good = 0;
        logger("--rfc5424", "-T", "--octet-count", "-t", "good", "before " + good++);

        // A good frame, then garbage on the same connection: the good one is kept, the connection closed.
        assertClosedByReceiver("12 <13>1 - - a -@@@ garbage\n");
        String ok = "<13>1 - h good - - - kept before garbage";
        assertClosedByReceiver(ok.length() + " " + ok + "@@@ garbage\n");
        good++;
        assertClosedByReceiver("99999 <13>1 - h good - - - too long");                       // over the limit
        assertClosedByReceiver("<13>1 - h good - - - " + "x".repeat(2000) + "\n");            // no LF within the limit
        assertClosedByReceiver("<13>1 yesterday h good - - - bad timestamp\n");              // malformed header
        // An unattributable message is dropped but its connection stays open: a relay sends many programs' messages.
        try (Socket relay = new Socket(loopback, port)) {
            String nobody = "<13>1 - h - - - - no app-name";
            String next = "<13>1 - h good - - - after an unattributable one on the same connection";
            relay.getOutputStream().write((nobody.length() + " " + nobody + next.length() + " " + next)
                    .getBytes(StandardCharsets.US_ASCII));
            good++;
            int expectedSoFar = good;
            Rsyslog.await("the message after the unattributable one", Duration.ofSeconds(10),
                    () -> sink.syslog("good").size() == expectedSoFar);
        }
        try (DatagramSocket udp = new DatagramSocket(0, loopback)) {
            byte[] big = ("<13>1 - h good - - - " + "y".repeat(1100)).getBytes(StandardCharsets.US_ASCII);
            udp.send(new DatagramPacket(big, big.length, loopback, port));
            byte[] garbage = "not syslog at all".getBytes(StandardCharsets.US_ASCII);
            udp.send(new DatagramPacket(garbage, garbage.length, loopback, port));
        }
        // A flood of bad connections while a good sender keeps sending: every bad one counted, every good one kept.
        Thread flood = new Thread(() -> {
            for (int i = 0; i < 100; i++) {
                try (Socket s = new Socket(loopback, port)) {
                    s.getOutputStream().write("\u0001\u0002garbage\n".getBytes(StandardCharsets.ISO_8859_1));
                    s.getInputStream().read();
                } catch (IOException e) {
                    // reset by the receiver is fine
                }
            }
        });
        flood.start();
        for (int i = 0; i < 20; i++) {
            logger(i % 2 == 0 ? "-d" : "-T", "--rfc5424", "-t", "good", "during " + good++);
        }
        flood.join(30_000);
        logger("--rfc3164", "-d", "-t", "good", "after " + good++);
        int expected = good;
        Rsyslog.await(expected + " good messages and 108 rejections", Duration.ofSeconds(15), () ->
                sink.syslog("good").size() == expected && receiver.counters().malformed() == 104,
                () -> sink.syslog("good").size() + " good, " + receiver.counters());

        // malformed: a bad header, '@@@' after a good frame, a bad timestamp, the UDP garbage, 100 flood connections
        assertEquals(new SyslogReceiver.Counters(expected, 104, 3, 1, 0, 0), receiver.counters());
        assertEquals(expected, hub.history("good", LogFilter.ALL).stream()
                .filter(r -> r.origin() == io.umonitor.api.LogOrigin.SYSLOG).count());
        assertEquals(0, hub.stats("good").rejected(), "on loopback a rejected message is never charged to the name "
                + "it claims (a stranger could spend any guest's report budget): it is counted unattributed");
    }

    /** Sends {@code bytes} on a new connection and asserts the receiver closes it (EOF within 5 s). */
    private void assertClosedByReceiver(String bytes) throws IOException {
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
            s.setSoTimeout(5000);
            OutputStream out = s.getOutputStream();
            out.write(bytes.getBytes(StandardCharsets.UTF_8));
            out.flush();
            InputStream in = s.getInputStream();
            try {
                assertEquals(-1, in.read(), "the receiver closes the connection after: " + bytes);
            } catch (SocketTimeoutException e) {
                throw new AssertionError("the connection stayed open after: " + bytes, e);
            } catch (IOException reset) {
                // closed with unread input: a reset is a close too
            }
        }
    }

    @Test
    void withAttributionByNameOffLoopbackMessagesAreRejectedAndCountedNotStored() throws Exception {
        assumeLogger();
        start(Map.of("attributeByName", "off", "attachUnknown", "false"));

        logger("--rfc5424", "-d", "-t", "web-1", "who am I");
        logger("--rfc5424", "-T", "-t", "web-1", "who am I");

        Rsyslog.await("2 rejections", Duration.ofSeconds(10), () -> receiver.counters().unattributed() == 2);
        assertEquals(0, sink.syslogCount());
        assertEquals(List.of(), hub.senders());
    }

    @Test
    void withoutAttachUnknownOnlyALaunchedUnikernelsNameIsAccepted() throws Exception {
        assumeLogger();
        start(Map.of("attachUnknown", "false"));
        hub.registerSender("web-1", "token-of-the-launch");

        logger("--rfc5424", "-d", "-t", "web-1", "launched");
        logger("--rfc5424", "-d", "-t", "stranger", "not launched");

        Rsyslog.await("one accepted, one rejected", Duration.ofSeconds(10),
                () -> receiver.counters().accepted() == 1 && receiver.counters().unattributed() == 1);
        assertEquals("launched", sink.syslog("web-1").get(0).message());
        assertEquals(List.of(), sink.syslog("stranger"));
    }

    @Test
    void aProcessGuestToldWhereInUmonitorSyslogLogsWithLoggerAndOnlyItsOwnLaunchedNameIsAccepted(
            @org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
        assumeLogger();
        // What `umonitor run --syslog` sets up: loopback receiver, attribution by APP-NAME to launched guests only.
        try (io.umonitor.core.Monitor monitor = io.umonitor.core.Monitor.builder().stateDirectory(dir.resolve("state"))
                .workDirectory(dir.resolve("work")).closeOnJvmExit(false)
                .property("syslog.udpAddress", "127.0.0.1:0").property("syslog.tcpAddress", "127.0.0.1:0")
                .property("syslog.attributeByName", "appname").build()) {
            String script = "logger --rfc5424 -T --octet-count -n \"${UMONITOR_SYSLOG%:*}\" -P \"${UMONITOR_SYSLOG##*:}\" "
                    + "-t \"$UMONITOR_NAME\" -p user.err 'hello from the process ✓' && "
                    + "logger --rfc5424 -d -n \"${UMONITOR_SYSLOG%:*}\" -P \"${UMONITOR_SYSLOG##*:}\" "
                    + "-t not-launched 'a stranger' && echo \"told $UMONITOR_SYSLOG\"";
            io.umonitor.api.UnikernelHandle guest = monitor.launch(io.umonitor.api.UnikernelSpec.builder("proc-guest",
                    java.nio.file.Path.of("/bin/sh")).arguments(List.of("-c", script)).build());
            assertEquals(0, guest.termination().get().exitCode(), guest.termination().get().lastConsoleLines()
                    .toString());
            Rsyslog.await("the guest's syslog record", Duration.ofSeconds(10), () -> monitor.logs("proc-guest",
                    LogFilter.ALL).stream().anyMatch(r -> r.origin() == io.umonitor.api.LogOrigin.SYSLOG));

            List<LogRecord> records = monitor.logs("proc-guest", LogFilter.ALL);
            assertTrue(records.stream().anyMatch(r -> r.message().matches("told 127\\.0\\.0\\.1:\\d+")), records.toString());
            List<LogRecord> syslog = records.stream().filter(r -> r.origin() == io.umonitor.api.LogOrigin.SYSLOG).toList();
            assertEquals(1, syslog.size(), records.toString());
            assertEquals("hello from the process ✓", syslog.get(0).message());
            assertEquals(LogLevel.ERROR, syslog.get(0).level());
            assertFalse(monitor.senders().contains("not-launched"), "the stranger got no log: " + monitor.senders());
        }
    }

    @Test
    void connectionsOverTheLimitAreRefusedAndCountedWhileOpenOnesKeepWorking() throws Exception {
        start(Map.of("maxConnections", "2"));
        InetAddress loopback = InetAddress.getLoopbackAddress();
        try (Socket a = new Socket(loopback, port); Socket b = new Socket(loopback, port);
                Socket c = new Socket(loopback, port)) {
            c.setSoTimeout(5000);
            assertEquals(-1, c.getInputStream().read(), "the third connection is closed at once");
            String m = "<13>1 - h held - - - still served";
            a.getOutputStream().write((m.length() + " " + m).getBytes(StandardCharsets.US_ASCII));
            Rsyslog.await("the held connection's message", Duration.ofSeconds(5), () -> sink.syslog("held").size() == 1);
            assertEquals(1, receiver.counters().connectionsRefused());
        }
    }
}
