package io.umonitor.core.internal.log;

import static io.umonitor.core.internal.log.TestSenders.endpoint;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.umonitor.api.CollectorEndpoint.Transport;
import io.umonitor.api.LogOrigin;
import io.umonitor.api.LogRecord;
import io.umonitor.protocol.FrameEncoder;
import io.umonitor.protocol.Goodbye;
import io.umonitor.testkit.RecordingSink;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;

/**
 * Senders that stop in the middle of large frames hold what the collector read of them. With the smallest
 * budget (4 MiB: 800 KiB for connection buffers), twelve such hoarders fill the connection buffers' share:
 * what they hold stays within it (plus each connection's 4 KiB allowance), and a sender whose next frame is
 * larger than its allowance waits for room instead of the monitor holding more, then goes on. Nothing is lost.
 */
class HoardedConnectionBuffersTest {
    private static final int HOARDERS = 12;
    private static final int BIG = 60_000;

    @Test
    void hoardedPartialFramesStayWithinTheShareAndASenderThatNeedsMoreWaitsThenGoesOn() throws Exception {
        RecordingSink sink = new RecordingSink("hoard");
        HubLimits limits = HubLimits.defaults().withMemoryBudgetBytes(HubLimits.MIN_BUDGET);
        List<Socket> sockets = new ArrayList<>();
        try (DefaultLogHub hub = DefaultLogHub.start(LogHubSettings.defaults().withUdpAddress(null), limits,
                List.of(sink))) {
            hub.acceptUnregisteredSenders("");
            InetSocketAddress to = endpoint(hub, Transport.TCP);
            MemoryBudget.Share share = hub.budget().connections;
            FrameEncoder encoder = new FrameEncoder();
            List<byte[]> rests = new ArrayList<>();
            for (int h = 0; h < HOARDERS; h++) {
                Socket socket = new Socket(to.getAddress(), to.getPort());
                sockets.add(socket);
                byte[] big = encoder.encode(TestSenders.record(0, "h".repeat(BIG)));
                int cut = big.length - 100;
                OutputStream out = socket.getOutputStream();
                out.write(encoder.encode(TestSenders.hello("hoarder-" + h, "", 1)));
                out.write(big, 0, cut);
                out.flush();
                rests.add(Arrays.copyOfRange(big, cut, big.length));
            }
            long allowances = (HOARDERS + 1) * 4096L;
            // Read everything the hoarders sent: what they hold no longer changes, and leaves less room than a
            // connection needs to read past its allowance (the largest unfinished frame, 64 KiB). Steady over five
            // polls, so a read's momentary reservation is not taken for what they hold.
            long[] last = {-1};
            int[] steady = {0};
            await(() -> {
                long used = share.used();
                steady[0] = used == last[0] ? steady[0] + 1 : 0;
                last[0] = used;
                return steady[0] >= 5 && share.limit() - used < 50_000;
            }, "the hoarders fill the connection buffers' share: " + share.used() + " of " + share.limit());
            assertTrue(share.used() <= share.limit() + allowances,
                    "held " + share.used() + " bytes, share " + share.limit() + " plus allowances " + allowances);

            Socket victim = new Socket(to.getAddress(), to.getPort());
            sockets.add(victim);
            OutputStream out = victim.getOutputStream();
            out.write(encoder.encode(TestSenders.hello("needs-more", "", 1)));
            out.write(encoder.encode(TestSenders.record(0, "small before")));
            out.write(encoder.encode(TestSenders.record(1, "v".repeat(20_000))));
            out.write(encoder.encode(TestSenders.record(2, "small after")));
            out.write(encoder.encode(new Goodbye(3, 0, "exit")));
            out.flush();
            await(() -> sink.count("needs-more", LogOrigin.TCP) >= 1, "the first small record of the waiting sender");
            assertTrue(share.used() <= share.limit() + allowances,
                    "held " + share.used() + " bytes, share " + share.limit() + " plus allowances " + allowances);

            for (int h = 0; h < HOARDERS; h++) {
                OutputStream o = sockets.get(h).getOutputStream();
                o.write(rests.get(h));
                o.write(encoder.encode(new Goodbye(1, 0, "exit")));
                o.flush();
            }
            await(() -> sink.count("needs-more", LogOrigin.TCP) == 3, "the waiting sender's three records");
            for (int h = 0; h < HOARDERS; h++) {
                String name = "hoarder-" + h;
                await(() -> sink.count(name, LogOrigin.TCP) == 1, name + "'s record");
                assertEquals(0, hub.stats(name).lost(), name);
            }
            List<LogRecord> order = sink.records(r -> r.origin() == LogOrigin.TCP);
            int firstHoarder = -1;
            int big = -1;
            for (int i = 0; i < order.size(); i++) {
                LogRecord r = order.get(i);
                if (firstHoarder < 0 && r.unikernel().startsWith("hoarder-")) {
                    firstHoarder = i;
                }
                if (r.unikernel().equals("needs-more") && r.message().length() == 20_000) {
                    big = i;
                }
            }
            assertTrue(firstHoarder >= 0 && firstHoarder < big, "the 20,000-byte record (at " + big + ") waited until "
                    + "a hoarder gave room back (first hoarder record at " + firstHoarder + ")");
            assertEquals(0, hub.stats("needs-more").lost());
            assertEquals(20_000, sink.records(r -> r.unikernel().equals("needs-more")).get(1).message().length());
        } finally {
            for (Socket s : sockets) {
                s.close();
            }
        }
    }

    private static void await(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (!condition.getAsBoolean()) {
            assertTrue(System.nanoTime() < deadline, "timed out waiting for " + what);
            Thread.sleep(20);
        }
    }
}
