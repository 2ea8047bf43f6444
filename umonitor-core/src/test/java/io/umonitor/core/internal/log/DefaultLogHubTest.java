package io.umonitor.core.internal.log;

import static io.umonitor.core.internal.log.TestSenders.await;
import static io.umonitor.core.internal.log.TestSenders.endpoint;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.umonitor.api.LogFilter;
import io.umonitor.api.LogLevel;
import io.umonitor.api.LogOrigin;
import io.umonitor.api.LogRecord;
import io.umonitor.api.LogStats;
import io.umonitor.api.CollectorEndpoint.Transport;
import io.umonitor.api.spi.GuestOutput;
import io.umonitor.protocol.FrameEncoder;
import io.umonitor.protocol.Goodbye;
import io.umonitor.protocol.Hello;
import io.umonitor.protocol.RecordFrame;
import io.umonitor.testkit.RecordingSink;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(60)
class DefaultLogHubTest {
    private static final Duration WAIT = Duration.ofSeconds(30);
    private final List<AutoCloseable> toClose = new ArrayList<>();

    @AfterEach
    void closeAll() throws Exception {
        for (int i = toClose.size() - 1; i >= 0; i--) {
            toClose.get(i).close();
        }
    }

    private DefaultLogHub hub(LogHubSettings settings, RecordingSink... sinks) {
        DefaultLogHub hub = DefaultLogHub.start(settings, List.of(sinks));
        toClose.add(hub);
        return hub;
    }

    private static LogHubSettings fast() {
        return LogHubSettings.defaults().withReportInterval(Duration.ofMillis(100));
    }

    private static String token(int i) {
        return String.format("%032x", 0xabcdef00L + i);
    }

    private static List<LogRecord> guestRecords(RecordingSink sink, String name, LogOrigin origin) {
        return sink.records(r -> r.unikernel().equals(name) && r.origin() == origin);
    }

    @Test
    void fiftyConcurrentTcpSendersLoseNothingAndNothingIsMisattributed() throws Exception {
        RecordingSink sink = new RecordingSink("collect");
        DefaultLogHub hub = hub(fast(), sink);
        int senders = 50;
        int perSender = 2000;
        for (int i = 0; i < senders; i++) {
            hub.registerSender("tcp-" + i, token(i));
        }
        InetSocketAddress to = endpoint(hub, Transport.TCP);
        ExecutorService pool = Executors.newFixedThreadPool(senders);
        try {
            List<Future<?>> sent = new ArrayList<>();
            for (int i = 0; i < senders; i++) {
                int n = i;
                sent.add(pool.submit(() -> {
                    TestSenders.sendTcp(to, "tcp-" + n, token(n), perSender);
                    return null;
                }));
            }
            for (Future<?> f : sent) {
                f.get(WAIT.toSeconds(), TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
        await("all TCP records in the sink", WAIT,
                () -> sink.records(r -> r.origin() == LogOrigin.TCP).size() == senders * perSender);
        for (int i = 0; i < senders; i++) {
            String name = "tcp-" + i;
            List<LogRecord> got = guestRecords(sink, name, LogOrigin.TCP);
            assertEquals(perSender, got.size(), name);
            for (int k = 0; k < perSender; k++) {
                assertEquals(name + ":" + k, got.get(k).message(), "record " + k + " of " + name + " in order");
                assertEquals(k, got.get(k).sequence());
            }
            LogStats stats = hub.stats(name);
            assertEquals(perSender, stats.received(), name);
            assertEquals(0, stats.lost(), name);
            assertEquals(0, stats.rejected(), name);
            assertEquals(Math.min(perSender, hub.settings().historySize()),
                    hub.history(name, LogFilter.atLeast(LogLevel.INFO)).stream()
                            .filter(r -> r.origin() == LogOrigin.TCP).count());
        }
    }

    @Test
    void fiftyConcurrentUdpSendersAreAttributedToTheRightSender() throws Exception {
        RecordingSink sink = new RecordingSink("collect");
        DefaultLogHub hub = hub(fast(), sink);
        int senders = 50;
        int perSender = 400;
        for (int i = 0; i < senders; i++) {
            hub.registerSender("udp-" + i, token(i));
        }
        InetSocketAddress to = endpoint(hub, Transport.UDP);
        ExecutorService pool = Executors.newFixedThreadPool(senders);
        try {
            List<Future<?>> sent = new ArrayList<>();
            for (int i = 0; i < senders; i++) {
                int n = i;
                sent.add(pool.submit(() -> TestSenders.sendUdp(to, "udp-" + n, token(n), perSender, 10, d -> false)));
            }
            for (Future<?> f : sent) {
                f.get(WAIT.toSeconds(), TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
        // UDP may lose datagrams on a loaded machine; whatever is lost must show up as lost, never vanish.
        // A gap shows only once a later datagram arrives, so the last few datagrams' loss (10 records
        // each, no GOODBYE follows) cannot be seen: allow the last three.
        await("every UDP record received or counted lost", WAIT, () -> {
            for (int i = 0; i < senders; i++) {
                LogStats s = hub.stats("udp-" + i);
                if (s.received() + s.lost() < perSender - 30) {
                    return false;
                }
            }
            return true;
        });
        // The sink thread may still be working through what the collector received (a loaded machine).
        await("the sink has every record received and not dropped", WAIT, () -> {
            long kept = 0;
            for (int i = 0; i < senders; i++) {
                LogStats s = hub.stats("udp-" + i);
                kept += s.received() - s.dropped();
            }
            return sink.records(r -> r.origin() == LogOrigin.UDP).size() >= kept;
        });
        Map<String, Integer> perName = new HashMap<>();
        for (LogRecord r : sink.records(r -> r.origin() == LogOrigin.UDP)) {
            assertTrue(r.message().startsWith(r.unikernel() + ":"), "record " + r.message() + " attributed to "
                    + r.unikernel());
            perName.merge(r.unikernel(), 1, Integer::sum);
        }
        assertTrue(perName.values().stream().mapToInt(Integer::intValue).sum() > senders * perSender / 2,
                "most UDP records arrive over loopback: " + perName);
    }

    @Test
    void garbageSenderIsCutOffWhileOthersContinue() throws Exception {
        RecordingSink sink = new RecordingSink("collect");
        DefaultLogHub hub = hub(fast(), sink);
        hub.registerSender("good", token(1));
        hub.registerSender("bad", token(2));
        InetSocketAddress to = endpoint(hub, Transport.TCP);
        FrameEncoder encoder = new FrameEncoder();
        try (Socket garbage = new Socket(to.getAddress(), to.getPort());
                Socket badAfterHello = new Socket(to.getAddress(), to.getPort())) {
            garbage.getOutputStream().write("GET / HTTP/1.1\r\nHost: x\r\n\r\n".getBytes());
            OutputStream out = badAfterHello.getOutputStream();
            out.write(encoder.encode(TestSenders.hello("bad", token(2), 1)));
            out.write(encoder.encode(TestSenders.record(0, "bad:0")));
            byte[] corrupt = encoder.encode(TestSenders.record(1, "bad:1"));
            corrupt[corrupt.length - 1] ^= 0x55;
            out.write(corrupt);
            out.flush();
            garbage.setSoTimeout(10_000);
            badAfterHello.setSoTimeout(10_000);
            assertEquals(-1, garbage.getInputStream().read(), "the collector closes a garbage connection");
            assertEquals(-1, badAfterHello.getInputStream().read(), "the collector closes after a corrupt frame");
            TestSenders.sendTcp(to, "good", token(1), 500);
        }
        await("good records", WAIT, () -> sink.count("good", LogOrigin.TCP) == 500);
        await("bad record decoded before the error kept", WAIT, () -> sink.count("bad", LogOrigin.TCP) == 1);
        assertEquals(1, hub.stats("bad").rejected());
        assertEquals(0, hub.stats("good").rejected());
        assertTrue(hub.unattributedRejections() >= 1, "the garbage connection is counted");
        await("the corrupt frame reported as a MONITOR record", WAIT, () -> sink.records(r -> r.unikernel()
                .equals("bad") && r.origin() == LogOrigin.MONITOR && r.message().contains("rejected")).size() == 1);
    }

    @Test
    void badTokenIsRejectedCountedAndReported() throws Exception {
        RecordingSink sink = new RecordingSink("collect");
        DefaultLogHub hub = hub(fast(), sink);
        hub.registerSender("web", token(1));
        InetSocketAddress tcp = endpoint(hub, Transport.TCP);
        TestSenders.sendTcp(tcp, "web", token(9), 10);
        TestSenders.sendUdp(endpoint(hub, Transport.UDP), "web", token(9), 10, 10, d -> false);
        await("two rejections", WAIT, () -> hub.stats("web").rejected() == 2);
        assertEquals(0, hub.stats("web").received());
        await("reports", WAIT, () -> sink.records(r -> r.origin() == LogOrigin.MONITOR
                && r.message().contains("wrong token in HELLO from 'web'")).size() == 2);
        assertTrue(sink.records(r -> r.origin() != LogOrigin.MONITOR).isEmpty());
        assertTrue(sink.records().stream().noneMatch(r -> r.message().contains(token(1))
                || r.message().contains(token(9))), "tokens are never logged");
        // Unknown names are refused without creating a history for them.
        TestSenders.sendTcp(tcp, "stranger", token(1), 3);
        assertFalse(hub.senders().contains("stranger"));
        // Once stopped, even the right token is refused, under its own reason.
        hub.unregisterSender("web");
        TestSenders.sendTcp(tcp, "web", token(1), 1);
        await("the stopped guest's HELLO refused", WAIT, () -> hub.stats("web").rejected() == 3);
        assertEquals(java.util.Map.of(io.umonitor.api.RejectReason.WRONG_TOKEN, 2L,
                io.umonitor.api.RejectReason.NOT_RUNNING, 1L), hub.stats("web").rejectedByReason());
    }

    @Test
    void attachModeAcceptsNamedSendersWithTheSharedToken() throws Exception {
        RecordingSink sink = new RecordingSink("collect");
        DefaultLogHub hub = hub(fast(), sink);
        hub.acceptUnregisteredSenders(token(5));
        InetSocketAddress tcp = endpoint(hub, Transport.TCP);
        TestSenders.sendTcp(tcp, "attached-1", token(5), 20);
        TestSenders.sendTcp(tcp, "attached-2", token(6), 20);
        await("attached records", WAIT, () -> sink.count("attached-1", LogOrigin.TCP) == 20);
        assertEquals(List.of("attached-1"), hub.senders());
        assertEquals(1, hub.unattributedRejections());
    }

    @Test
    void udpSequenceGapsAreReportedExactly() throws Exception {
        RecordingSink sink = new RecordingSink("collect");
        DefaultLogHub hub = hub(fast(), sink);
        hub.registerSender("lossy", token(1));
        // 100 datagrams of 5 records; every 7th datagram is "lost" on purpose (not the last one, so the
        // gap is visible from a later sequence number).
        int skipped = TestSenders.sendUdp(endpoint(hub, Transport.UDP), "lossy", token(1), 500, 5,
                d -> d % 7 == 3);
        assertEquals(14 * 5, skipped);
        await("received + lost == sent", WAIT, () -> hub.stats("lossy").received() == 500 - skipped);
        assertEquals(skipped, hub.stats("lossy").lost());
        await("lost records reported", WAIT, () -> sink.records(r -> r.origin() == LogOrigin.MONITOR
                && r.attribute("lost").isPresent()).stream()
                .mapToLong(r -> ((io.umonitor.api.AttributeValue.UInt) r.attribute("lost").get()).value())
                .sum() == skipped);
    }

    @Test
    void consoleFloodNeverBlocksAndOverflowIsCounted() {
        RecordingSink slow = new RecordingSink("slow");
        slow.delayEachRecord(java.time.Duration.ofNanos(200_000));
        DefaultLogHub hub = hub(fast().withSinkQueueCapacity(1000), slow);
        hub.registerSender("chatty", token(1));
        int lines = 50_000;
        long start = System.nanoTime();
        long worst = 0;
        for (int i = 0; i < lines; i++) {
            long t = System.nanoTime();
            hub.consoleLine("chatty", GuestOutput.Stream.STDOUT, "line " + i);
            worst = Math.max(worst, System.nanoTime() - t);
        }
        long total = System.nanoTime() - start;
        // The sink needs 10 s for 50,000 lines; the producer must be done far sooner and never wait long.
        assertTrue(total < TimeUnit.SECONDS.toNanos(5), "50,000 console lines took " + total / 1_000_000 + " ms");
        assertTrue(worst < TimeUnit.MILLISECONDS.toNanos(500), "worst consoleLine call " + worst / 1_000_000 + " ms");
        assertEquals(lines, hub.stats("chatty").received());
        assertTrue(hub.stats("chatty").dropped() > 0, "overflow counted: " + hub.stats("chatty"));
        assertEquals(Math.min(lines, hub.settings().historySize()), hub.history("chatty", LogFilter.ALL).size());
        slow.delayEachRecord(java.time.Duration.ZERO);
        await("overflow reported", WAIT, () -> slow.records(r -> r.origin() == LogOrigin.MONITOR
                && r.attribute("dropped").isPresent()).size() >= 1);
    }

    @Test
    void consoleLinesBecomeTextOrStructuredRecords() {
        RecordingSink sink = new RecordingSink("collect");
        DefaultLogHub hub = hub(fast(), sink);
        FrameEncoder encoder = new FrameEncoder();
        hub.consoleLine("con", GuestOutput.Stream.STDOUT, "plain text");
        hub.consoleLine("con", GuestOutput.Stream.STDERR, "an error");
        hub.consoleLine("con", GuestOutput.Stream.SERIAL, encoder.encodeConsoleLine(
                new RecordFrame(3, io.umonitor.api.GuestClock.MONOTONIC, 99, LogLevel.ERROR, "app", "structured",
                        List.of())));
        hub.consoleLine("con", GuestOutput.Stream.SERIAL, "@UM1:not base64!!");
        List<LogRecord> h = hub.history("con", LogFilter.ALL).stream()
                .filter(r -> r.origin() == LogOrigin.CONSOLE).toList();
        assertEquals(4, h.size());
        assertEquals(LogLevel.INFO, h.get(0).level());
        assertEquals(LogLevel.WARN, h.get(1).level());
        assertEquals("structured", h.get(2).message());
        assertEquals(LogLevel.ERROR, h.get(2).level());
        assertEquals(3, h.get(2).sequence());
        assertEquals("@UM1:not base64!!", h.get(3).message());
        assertEquals(1, hub.stats("con").rejected());
    }

    @Test
    void collectorsListenOnlyOnLoopbackByDefaultNeverOnAllInterfaces() {
        DefaultLogHub hub = hub(fast());
        assertEquals(2, hub.loopbackEndpoints().size());
        for (io.umonitor.api.CollectorEndpoint e : hub.loopbackEndpoints()) {
            assertTrue(e.address().getAddress().isLoopbackAddress(), e.toString());
            assertFalse(e.address().getAddress().isAnyLocalAddress(), e.toString());
        }
    }

    @Test
    void consoleHelloAndGoodbyeBecomeShortDebugRecordsInWordsWithoutTheToken() {
        RecordingSink sink = new RecordingSink("collect");
        DefaultLogHub hub = hub(fast(), sink);
        FrameEncoder encoder = new FrameEncoder();
        String token = "0123456789abcdef0123456789abcdef";
        hub.consoleLine("sess", GuestOutput.Stream.SERIAL,
                encoder.encodeConsoleLine(new Hello("sess", token, "umon-c", "1.2", 77)));
        hub.consoleLine("sess", GuestOutput.Stream.SERIAL, encoder.encodeConsoleLine(
                new RecordFrame(0, io.umonitor.api.GuestClock.MONOTONIC, 1, LogLevel.INFO, "app", "one", List.of())));
        hub.consoleLine("sess", GuestOutput.Stream.SERIAL,
                encoder.encodeConsoleLine(new Goodbye(3, 1, "exit")));
        List<LogRecord> h = hub.history("sess", LogFilter.ALL).stream()
                .filter(r -> r.origin() == LogOrigin.CONSOLE).toList();
        assertEquals(3, h.size(), h.toString());
        assertEquals(LogLevel.DEBUG, h.get(0).level());
        assertEquals("log client umon-c 1.2 started session 77 on the console", h.get(0).message());
        assertEquals("one", h.get(1).message());
        assertEquals(LogLevel.DEBUG, h.get(2).level());
        assertEquals("log client ended session 77 on the console: 3 record(s) produced, 1 dropped by the client (exit)",
                h.get(2).message());
        for (LogRecord r : h) {
            assertFalse(r.message().contains("@UM1:") || r.message().contains(token), r.message());
        }
        assertEquals(2, hub.stats("sess").lost(), "the GOODBYE's count reveals records 1 and 2 as lost");
        assertEquals(0, hub.stats("sess").rejected());
    }

    @Test
    void followReplaysThenDeliversLiveWithoutGapOrDuplicate() throws Exception {
        RecordingSink sink = new RecordingSink("collect");
        DefaultLogHub hub = hub(fast().withHistorySize(100_000), sink);
        hub.registerSender("f", token(1));
        List<String> seen = java.util.Collections.synchronizedList(new ArrayList<>());
        Thread producer = new Thread(() -> {
            for (int i = 0; i < 20_000; i++) {
                hub.consoleLine("f", GuestOutput.Stream.STDOUT, "m" + i);
            }
        });
        producer.start();
        await("some history", WAIT, () -> hub.history("f", LogFilter.ALL).size() > 1000);
        AutoCloseable follow = hub.follow("f", LogFilter.ALL, r -> seen.add(r.message()));
        toClose.add(follow);
        producer.join(30_000);
        await("all followed", WAIT, () -> seen.size() >= 20_000);
        List<String> copy = new ArrayList<>(seen);
        assertEquals(20_000, copy.size());
        for (int i = 0; i < copy.size(); i++) {
            assertEquals("m" + i, copy.get(i));
        }
        follow.close();
    }

    @Test
    void slowFollowerSkipsAheadWithACount() throws Exception {
        DefaultLogHub hub = hub(fast().withFollowerQueueCapacity(10));
        List<LogRecord> seen = java.util.Collections.synchronizedList(new ArrayList<>());
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        toClose.add(hub.follow("s", LogFilter.ALL, r -> {
            try {
                release.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            seen.add(r);
        }));
        for (int i = 0; i < 1000; i++) {
            hub.consoleLine("s", GuestOutput.Stream.STDOUT, "x" + i);
        }
        release.countDown();
        await("skip note", WAIT, () -> seen.stream().anyMatch(r -> r.origin() == LogOrigin.MONITOR));
        LogRecord note = seen.stream().filter(r -> r.origin() == LogOrigin.MONITOR).findFirst().orElseThrow();
        long skipped = ((io.umonitor.api.AttributeValue.Int) note.attribute("skipped").orElseThrow()).value();
        long delivered = seen.stream().filter(r -> r.origin() == LogOrigin.CONSOLE).count();
        assertEquals(1000, skipped + delivered);
    }

    @Test
    void failingSinkReportsAndRecoversWhileAnotherKeepsReceiving() throws Exception {
        RecordingSink healthy = new RecordingSink("healthy");
        RecordingSink failing = new RecordingSink("failing");
        failing.failWith(new IllegalStateException("disk full (simulated by the test)"));
        DefaultLogHub hub = hub(fast(), healthy, failing);
        for (int i = 0; i < 100; i++) {
            hub.consoleLine("disk", GuestOutput.Stream.STDOUT, "a" + i);
        }
        await("healthy sink got everything", WAIT, () -> healthy.count("disk", LogOrigin.CONSOLE) == 100);
        await("failure reported", WAIT, () -> healthy.records(r -> r.origin() == LogOrigin.MONITOR
                && r.message().contains("sink 'failing' failed")).size() >= 1);
        await("failures counted", WAIT, () -> hub.sinkFailures("failing") >= 100);
        failing.failWith(null);
        for (int i = 0; i < 100; i++) {
            hub.consoleLine("disk", GuestOutput.Stream.STDOUT, "b" + i);
        }
        await("failing sink recovered", WAIT, () -> failing.count("disk", LogOrigin.CONSOLE) == 100);
        await("recovery reported", WAIT, () -> healthy.records(r -> r.origin() == LogOrigin.MONITOR
                && r.message().contains("stores records again")).size() == 1);
    }

    @Test
    void listensOnExtraAddressesAndStops() throws Exception {
        RecordingSink sink = new RecordingSink("collect");
        DefaultLogHub hub = hub(fast(), sink);
        hub.registerSender("tap", token(1));
        java.net.InetAddress extra = java.net.InetAddress.getByName("127.0.0.2");
        var endpoints = hub.listenOn(extra, "tap0");
        assertEquals(2, endpoints.size());
        assertTrue(endpoints.stream().allMatch(e -> "tap0".equals(e.networkDevice())
                && e.address().getAddress().equals(extra)));
        assertEquals(endpoints, hub.listenOn(extra, "tap0"));
        InetSocketAddress tcp = endpoints.stream().filter(e -> e.transport() == Transport.TCP).findFirst()
                .orElseThrow().address();
        TestSenders.sendTcp(tcp, "tap", token(1), 5);
        await("records via the extra address", WAIT, () -> sink.count("tap", LogOrigin.TCP) == 5);
        hub.stopListeningOn(extra);
        try (Socket s = new Socket()) {
            org.junit.jupiter.api.Assertions.assertThrows(IOException.class, () -> s.connect(tcp, 2000));
        }
    }

    @Test
    void tcpSenderOverItsRateLimitIsPausedNotDropped() throws Exception {
        RecordingSink sink = new RecordingSink("collect");
        DefaultLogHub hub = hub(fast().withSenderRateLimit(2000), sink);
        hub.registerSender("flood", token(1));
        hub.registerSender("calm", token(2));
        InetSocketAddress to = endpoint(hub, Transport.TCP);
        Thread flood = new Thread(() -> {
            try {
                TestSenders.sendTcp(to, "flood", token(1), 6000);
            } catch (IOException e) {
                throw new RuntimeException(e);
            }
        });
        flood.start();
        await("the flood is being limited", WAIT, () -> sink.count("flood", LogOrigin.TCP) > 1000);
        long t = System.nanoTime();
        TestSenders.sendTcp(to, "calm", token(2), 100);
        await("calm records flow while the flood is limited", WAIT, () -> sink.count("calm", LogOrigin.TCP) == 100);
        assertTrue(sink.count("flood", LogOrigin.TCP) < 6000, "the flood is still limited when calm is done");
        assertTrue(System.nanoTime() - t < TimeUnit.SECONDS.toNanos(10));
        flood.join(30_000);
        await("the whole flood arrives eventually", WAIT, () -> sink.count("flood", LogOrigin.TCP) == 6000);
        assertEquals(0, hub.stats("flood").dropped());
    }

    @Test
    void tcpWaitsForASlowSinkInsteadOfDropping() throws Exception {
        RecordingSink slow = new RecordingSink("slow");
        slow.delayEachRecord(java.time.Duration.ofNanos(20_000));
        DefaultLogHub hub = hub(fast().withSinkQueueCapacity(500), slow);
        hub.registerSender("patient", token(1));
        TestSenders.sendTcp(endpoint(hub, Transport.TCP), "patient", token(1), 20_000);
        await("everything stored", WAIT, () -> slow.count("patient", LogOrigin.TCP) == 20_000);
        assertEquals(0, hub.stats("patient").dropped());
    }

    @Test
    void udpFloodOverTheRateLimitIsDroppedCountedAndReportedWhileOthersKeepFlowing() throws Exception {
        RecordingSink sink = new RecordingSink("collect");
        DefaultLogHub hub = hub(fast().withSenderRateLimit(500), sink);
        hub.registerSender("flood", token(1));
        hub.registerSender("calm", token(2));
        InetSocketAddress udp = endpoint(hub, Transport.UDP);
        TestSenders.sendUdp(udp, "flood", token(1), 5000, 50, d -> false);
        TestSenders.sendUdp(udp, "calm", token(2), 100, 10, d -> false);
        await("calm records all stored", WAIT, () -> sink.count("calm", LogOrigin.UDP) == 100);
        await("flood accounted for", WAIT, () -> {
            LogStats s = hub.stats("flood");
            return s.received() + s.lost() == 5000;
        });
        LogStats flood = hub.stats("flood");
        assertTrue(flood.dropped() > 0, "the flood over its share is dropped: " + flood);
        assertEquals(flood.received() - flood.dropped(), sink.count("flood", LogOrigin.UDP));
        assertEquals(0, hub.stats("calm").dropped());
        await("drops reported", WAIT, () -> sink.records(r -> r.unikernel().equals("flood")
                && r.origin() == LogOrigin.MONITOR && r.attribute("dropped").isPresent()).size() >= 1);
    }

    @Test
    void historyKeepsTheNewestRecordsInOrderUpToItsSize() {
        DefaultLogHub hub = hub(fast().withHistorySize(1000));
        for (int i = 0; i < 2500; i++) {
            hub.consoleLine("h", GuestOutput.Stream.STDOUT, "line " + i);
            if (i == 99) {
                List<LogRecord> early = hub.history("h", LogFilter.ALL);
                assertEquals(100, early.size());
                assertEquals("line 0", early.get(0).message());
            }
        }
        List<LogRecord> h = hub.history("h", LogFilter.ALL);
        assertEquals(1000, h.size());
        for (int i = 0; i < 1000; i++) {
            assertEquals("line " + (1500 + i), h.get(i).message());
        }
        assertEquals(List.of("line 2499"), hub.history("h", LogFilter.ALL.withText("LINE 2499")).stream()
                .map(LogRecord::message).toList());
        assertTrue(hub.history("nobody", LogFilter.ALL).isEmpty());
    }
}
