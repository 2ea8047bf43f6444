package io.umonitor.core.internal.log;

import io.umonitor.api.LogRecord;
import io.umonitor.api.CollectorEndpoint;
import io.umonitor.api.spi.LogSink;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * A monitor's logging half alone in a small JVM, for {@code MaxFrameFloodIT}: attach mode, one sink that stores
 * at about 200 MB/s, one slow follower of everything. Prints
 * {@code PORT p BUDGET b}, then after {@code stop} on stdin and once the queues drained:
 * {@code STORED name count}, {@code GAP steady ms} (longest wait between two records of the steady sender at
 * the sink), {@code LIVE max-live-heap-after-gc}, {@code USED max-accounted-bytes} and {@code OK}.
 * Uses only what the hub had before byte budgets (the budget by reflection), so the same test measures both.
 */
public final class FloodChildMain {
    private FloodChildMain() {
    }

    static final Map<String, AtomicLong> STORED = new ConcurrentHashMap<>();
    static volatile long lastSteadyNanos;
    static volatile long maxSteadyGapNanos;

    /** Stores nothing but takes time per byte, like a disk at ~200 MB/s. */
    static final class SlowSink implements LogSink {
        @Override
        public String id() {
            return "slow";
        }

        @Override
        public void accept(LogRecord record) {
            STORED.computeIfAbsent(record.unikernel(), k -> new AtomicLong()).incrementAndGet();
            if (record.unikernel().equals("steady") && record.origin() == io.umonitor.api.LogOrigin.TCP) {
                long now = System.nanoTime();
                if (lastSteadyNanos != 0) {
                    maxSteadyGapNanos = Math.max(maxSteadyGapNanos, now - lastSteadyNanos);
                }
                lastSteadyNanos = now;
            }
            LockSupport.parkNanos(5L * record.message().length());
        }

        @Override
        public void flush() {
        }
    }

    /** The live heap: used right after a full collection (the sampler runs one every half second). */
    private static long liveAfterGc() {
        System.gc();
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    @SuppressWarnings("unchecked")
    public static void main(String[] args) throws Exception {
        DefaultLogHub hub = DefaultLogHub.start(LogHubSettings.defaults(), List.of(new SlowSink()));
        hub.acceptUnregisteredSenders("");
        AtomicLong followed = new AtomicLong();
        hub.follow(null, io.umonitor.api.LogFilter.ALL, r -> {
            followed.incrementAndGet();
            LockSupport.parkNanos(200_000); // a slow terminal
        });
        Method counters = null;
        try {
            counters = hub.getClass().getMethod("counters");
        } catch (NoSuchMethodException e) {
            // a hub without byte budgets
        }
        Method c = counters;
        long budget = c == null ? -1 : ((Map<String, Long>) c.invoke(hub)).get("memory.budget");
        int port = hub.loopbackEndpoints().stream().filter(e -> e.transport() == CollectorEndpoint.Transport.TCP)
                .findFirst().orElseThrow().address().getPort();
        System.out.println("PORT " + port + " BUDGET " + budget);
        AtomicLong maxLive = new AtomicLong();
        AtomicLong maxUsed = new AtomicLong();
        Thread sampler = new Thread(() -> {
            for (int tick = 0; ; tick++) {
                if (tick % 10 == 0) {
                    maxLive.accumulateAndGet(liveAfterGc(), Math::max);
                }
                if (c != null) {
                    try {
                        Map<String, Long> m = (Map<String, Long>) c.invoke(hub);
                        long used = m.get("memory.histories") + m.get("memory.sinkQueues") + m.get("memory.followers")
                                + m.get("memory.connections");
                        maxUsed.accumulateAndGet(used, Math::max);
                    } catch (ReflectiveOperationException e) {
                        return;
                    }
                }
                LockSupport.parkNanos(50_000_000);
            }
        }, "sampler");
        sampler.setDaemon(true);
        sampler.start();
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        String line;
        while ((line = in.readLine()) != null && !line.equals("stop")) {
            // wait for the test
        }
        // Drain: the sink has everything the hub received once the counts stop changing.
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (System.nanoTime() < deadline) {
            long received = 0;
            long stored = 0;
            for (String name : hub.senders()) {
                received += hub.stats(name).received();
                stored += STORED.getOrDefault(name, new AtomicLong()).get();
            }
            if (stored >= received) {
                break;
            }
            LockSupport.parkNanos(50_000_000);
        }
        for (String name : hub.senders()) {
            System.out.println("STORED " + name + " " + STORED.getOrDefault(name, new AtomicLong()).get() + " received "
                    + hub.stats(name).received() + " dropped " + hub.stats(name).dropped());
        }
        System.out.println("GAP steady " + maxSteadyGapNanos / 1_000_000);
        System.out.println("LIVE " + maxLive.get());
        System.out.println("USED " + maxUsed.get());
        System.out.println("COUNTERS " + (c == null ? "{}" : c.invoke(hub)));
        System.out.println("OK");
        System.out.flush();
        System.exit(0);
    }
}
