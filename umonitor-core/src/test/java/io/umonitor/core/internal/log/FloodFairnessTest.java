package io.umonitor.core.internal.log;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.umonitor.api.LogOrigin;
import io.umonitor.api.LogRecord;
import io.umonitor.api.CollectorEndpoint.Transport;
import io.umonitor.api.spi.LogSink;
import io.umonitor.protocol.FrameEncoder;
import java.io.BufferedOutputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * One TCP sender flooding at full speed, with no rate limit configured, cannot starve ten senders that log
 * a record every 10 ms: the collector gives every ready connection one read per round, so their records
 * keep arriving promptly (latency printed) while the flood gets the rest of the capacity.
 */
@Timeout(60)
class FloodFairnessTest {

    @Test
    void aTcpFloodDoesNotStarveOtherSenders() throws Exception {
        AtomicLong flooded = new AtomicLong();
        ConcurrentLinkedQueue<Long> latencies = new ConcurrentLinkedQueue<>();
        LogSink sink = new LogSink() {
            @Override
            public String id() {
                return "latency";
            }

            @Override
            public void accept(LogRecord r) {
                if (r.origin() != LogOrigin.TCP) {
                    return;
                }
                if (r.unikernel().equals("flood")) {
                    flooded.incrementAndGet();
                } else {
                    latencies.add(System.nanoTime() - Long.parseLong(r.message()));
                }
            }
        };
        DefaultLogHub hub = DefaultLogHub.start(LogHubSettings.defaults(), List.of(sink));
        int paced = 10;
        int perPaced = 200;
        try {
            hub.registerSender("flood", String.format("%032x", 1));
            for (int i = 0; i < paced; i++) {
                hub.registerSender("paced-" + i, String.format("%032x", 100 + i));
            }
            InetSocketAddress to = TestSenders.endpoint(hub, Transport.TCP);
            ExecutorService pool = Executors.newFixedThreadPool(paced + 1);
            java.util.concurrent.atomic.AtomicBoolean done = new java.util.concurrent.atomic.AtomicBoolean();
            try {
                Future<?> flood = pool.submit(() -> {
                    FrameEncoder encoder = new FrameEncoder();
                    try (Socket socket = new Socket(to.getAddress(), to.getPort())) {
                        OutputStream out = new BufferedOutputStream(socket.getOutputStream(), 64 * 1024);
                        out.write(encoder.encode(TestSenders.hello("flood", String.format("%032x", 1), 1)));
                        for (long seq = 0; !done.get(); seq++) {
                            out.write(encoder.encode(TestSenders.record(seq, "flood " + seq)));
                        }
                        out.flush();
                    }
                    return null;
                });
                List<Future<?>> others = new ArrayList<>();
                for (int i = 0; i < paced; i++) {
                    String name = "paced-" + i;
                    String token = String.format("%032x", 100 + i);
                    others.add(pool.submit(() -> {
                        FrameEncoder encoder = new FrameEncoder();
                        try (Socket socket = new Socket(to.getAddress(), to.getPort())) {
                            OutputStream out = socket.getOutputStream();
                            out.write(encoder.encode(TestSenders.hello(name, token, 2)));
                            for (int k = 0; k < perPaced; k++) {
                                out.write(encoder.encode(TestSenders.record(k, Long.toString(System.nanoTime()))));
                                out.flush();
                                Thread.sleep(10);
                            }
                        }
                        return null;
                    }));
                }
                for (Future<?> f : others) {
                    f.get(40, TimeUnit.SECONDS);
                }
                TestSenders.await("every paced record", Duration.ofSeconds(20), () -> latencies.size() == paced * perPaced);
                done.set(true);
                flood.get(20, TimeUnit.SECONDS);
            } finally {
                pool.shutdownNow();
            }
        } finally {
            hub.close();
        }
        List<Long> sorted = latencies.stream().sorted().toList();
        long p50 = sorted.get(sorted.size() / 2) / 1_000_000;
        long p99 = sorted.get(sorted.size() * 99 / 100) / 1_000_000;
        System.out.printf("TCP flood of %d records; %d paced records: latency p50 %d ms, p99 %d ms%n",
                flooded.get(), sorted.size(), p50, p99);
        assertEquals(paced * perPaced, sorted.size());
        assertTrue(flooded.get() > 10 * paced * perPaced, "the flood was a flood: " + flooded.get());
        assertTrue(p99 < 1000, "paced senders starved: p99 latency " + p99 + " ms");
    }
}
