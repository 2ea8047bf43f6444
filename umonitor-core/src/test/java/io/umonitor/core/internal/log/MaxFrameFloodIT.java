package io.umonitor.core.internal.log;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.umonitor.api.Attribute;
import io.umonitor.api.LogLevel;
import io.umonitor.protocol.FrameEncoder;
import io.umonitor.protocol.Goodbye;
import io.umonitor.protocol.RecordFrame;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.Writer;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Four senders write maximum-size frames as fast as they can for 10 s into a monitor in a child JVM with
 * {@code -Xmx256m}, past a sink slower than they are, while a fifth sends a small record every 20 ms. The
 * monitor must not run out of memory: what it holds stays within its byte budget, every TCP record is stored
 * (senders waited instead), and the steady sender keeps flowing.
 */
@Timeout(180)
class MaxFrameFloodIT {
    private static final int FLOODERS = 4;
    private static final long FLOOD_MILLIS = 10_000;
    private static final long HEAP_BASELINE = 64L << 20;

    @Test
    void maxSizeFramesFromSeveralSendersNeverExhaustTheHeapAndEveryTcpRecordIsStored() throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process child = new ProcessBuilder(java, "-Xmx256m", "-cp", System.getProperty("java.class.path"),
                FloodChildMain.class.getName()).redirectErrorStream(true).start();
        BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
        List<String> lines = new ArrayList<>();
        try {
            String first = out.readLine();
            assertTrue(first != null && first.startsWith("PORT "), "child said: " + first);
            String[] f = first.split(" ");
            int port = Integer.parseInt(f[1]);
            long budget = Long.parseLong(f[3]);
            Thread drain = new Thread(() -> {
                try {
                    String l;
                    while ((l = out.readLine()) != null) {
                        synchronized (lines) {
                            lines.add(l);
                        }
                    }
                } catch (java.io.IOException ignored) {
                    // the child ended
                }
            });
            drain.setDaemon(true);
            drain.start();

            Map<String, AtomicLong> sent = new HashMap<>();
            List<Thread> senders = new ArrayList<>();
            long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(FLOOD_MILLIS);
            String big = "x".repeat(64_000);
            for (int i = 0; i < FLOODERS; i++) {
                String name = "flood-" + i;
                AtomicLong count = new AtomicLong();
                sent.put(name, count);
                senders.add(sender(port, name, big, 0, end, count));
            }
            AtomicLong steady = new AtomicLong();
            sent.put("steady", steady);
            senders.add(sender(port, "steady", "steady record", 20, end, steady));
            senders.forEach(Thread::start);
            for (Thread t : senders) {
                t.join(120_000);
            }
            try (Writer w = new java.io.OutputStreamWriter(child.getOutputStream(), StandardCharsets.UTF_8)) {
                w.write("stop\n");
            }
            assertTrue(child.waitFor(90, TimeUnit.SECONDS), "the child finished draining");
            drain.join(5_000);
            String text;
            synchronized (lines) {
                text = String.join("\n", lines);
            }
            System.out.println("[flood] budget " + budget + " sent " + sent + "\n" + text);
            assertFalse(text.contains("OutOfMemoryError"), "no OutOfMemoryError:\n" + text);
            assertTrue(text.contains("\nOK"), "the child reported:\n" + text);
            for (Map.Entry<String, AtomicLong> e : sent.entrySet()) {
                assertTrue(text.contains("STORED " + e.getKey() + " " + e.getValue().get() + " "),
                        "every TCP record of " + e.getKey() + " (" + e.getValue().get() + " sent) stored:\n" + text);
            }
            assertTrue(steady.get() >= FLOOD_MILLIS / 20 / 2, "the steady sender was never held back long: sent "
                    + steady.get());
            long used = value(text, "USED ");
            long live = value(text, "LIVE ");
            long gap = value(text, "GAP steady ");
            assertTrue(used <= budget, "accounted memory " + used + " within the budget " + budget);
            assertTrue(live <= budget + HEAP_BASELINE, "live heap after GC " + live + " within the budget " + budget
                    + " plus " + HEAP_BASELINE + " for the JVM itself");
            assertTrue(gap < 5_000, "the steady sender's records never waited 5 s at the sink: longest gap " + gap + " ms");
        } finally {
            child.destroyForcibly();
            child.waitFor(10, TimeUnit.SECONDS);
        }
    }

    private static long value(String text, String prefix) {
        for (String l : text.split("\n")) {
            if (l.startsWith(prefix)) {
                return Long.parseLong(l.substring(prefix.length()).trim());
            }
        }
        throw new AssertionError("no '" + prefix + "' in:\n" + text);
    }

    /** A sender thread: HELLO, records until {@code end} (paced or at full speed), GOODBYE, then waits for the close. */
    private static Thread sender(int port, String name, String message, long paceMillis, long end, AtomicLong sent) {
        return new Thread(() -> {
            FrameEncoder encoder = new FrameEncoder();
            try (Socket socket = new Socket("127.0.0.1", port)) {
                OutputStream o = socket.getOutputStream();
                o.write(encoder.encode(TestSenders.hello(name, "", 1)));
                long seq = 0;
                while (System.nanoTime() < end) {
                    o.write(encoder.encode(new RecordFrame(seq++, io.umonitor.api.GuestClock.WALL,
                            System.currentTimeMillis() * 1_000_000L, LogLevel.INFO, "flood", message,
                            List.of(Attribute.of("n", seq)))));
                    sent.incrementAndGet();
                    if (paceMillis > 0) {
                        Thread.sleep(paceMillis);
                    }
                }
                o.write(encoder.encode(new Goodbye(seq, 0, "done")));
                o.flush();
                socket.shutdownOutput();
                socket.setSoTimeout(60_000);
                while (socket.getInputStream().read() >= 0) {
                    // until the collector closes
                }
            } catch (Exception e) {
                throw new RuntimeException(name + " failed", e);
            }
        }, "sender-" + name);
    }
}
