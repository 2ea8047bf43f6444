package io.umonitor.examples.cli;

import io.umonitor.api.Attribute;
import io.umonitor.api.AttributeValue;
import io.umonitor.api.GuestClock;
import io.umonitor.api.LogLevel;
import io.umonitor.api.LogOrigin;
import io.umonitor.api.LogRecord;
import io.umonitor.api.LogStats;
import io.umonitor.api.RestartPolicy;
import io.umonitor.api.UnikernelHandle;
import io.umonitor.api.UnikernelSpec;
import io.umonitor.api.CollectorEndpoint;
import io.umonitor.api.spi.LogSink;
import io.umonitor.core.Monitor;
import io.umonitor.core.backend.process.ProcessBackend;
import io.umonitor.core.sink.FileSink;
import io.umonitor.protocol.FrameEncoder;
import io.umonitor.protocol.Goodbye;
import io.umonitor.protocol.Hello;
import io.umonitor.protocol.RecordFrame;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Runs the load, flood and fault scenarios of issue 9 at once against one real monitor, through its public
 * API as a platform would run it: its loopback TCP and UDP collectors in attach mode (every sender presents
 * the soak's token), a rotating file sink, and crashing guests under the process backend. Then prints what
 * was sent, stored, rejected, dropped and lost, and checks the invariants. Exit code 1 when one broke.
 */
// Over 500 lines because it is one harness: the scenarios (TCP and UDP load, bad input, crashing guests, a
// connection storm, maximum-size frames) run against the same monitor and sinks at once, since what they prove is
// that none of them starves or hides the others; each scenario is a method, and call() checks the invariants
// across all of them in one table.
@Command(name = "soak", description = {
        "Run load, flood and fault scenarios and print a summary table.",
        "Exit code 1 if any invariant broke (a TCP record lost or out of order, a silent UDP loss, an uncounted rejection,",
        "a crash not detected or its FATAL line lost, a starved sender, a guest kept out by a connection storm,",
        "memory over the budget under maximum-size frames). The storm and max-frames scenarios run last, 3 to 5 s each."})
final class SoakCommand implements Callable<Integer> {

    @Option(names = "--duration", defaultValue = "60s", description = "How long to run, e.g. 60s, 10m (default: ${DEFAULT-VALUE}).")
    String duration;

    @Option(names = "--tcp-senders", defaultValue = "20", description = "TCP senders under steady load (default: ${DEFAULT-VALUE}).")
    int tcpSenders;

    @Option(names = "--tcp-rate", defaultValue = "20000", description = "Records/s all TCP senders together aim at (default: ${DEFAULT-VALUE}).")
    int tcpRate;

    @Option(names = "--rate-limit", defaultValue = "5000", description = "Per-sender rate limit, records/s (log.senderRateLimit) (default: ${DEFAULT-VALUE}).")
    long rateLimit;

    @Option(names = "--storm-connections", defaultValue = "5000", description = "Silent TCP connections a hostile "
            + "local client holds in the storm scenario (default: ${DEFAULT-VALUE}).")
    int stormConnections;

    @Option(names = "--dir", description = "Directory for the rotating log files (default: a temporary one, deleted).")
    Path directory;

    private final Map<String, SenderCheck> checks = new ConcurrentHashMap<>();
    private final SecureRandom random = new SecureRandom();

    /** What the counting sink saw of one sender: stored records and whether each session arrived in order. */
    static final class SenderCheck {
        final AtomicLong stored = new AtomicLong();
        final AtomicLong outOfOrder = new AtomicLong();
        final AtomicLong droppedReports = new AtomicLong();
        long lastSequence = -1;
    }

    /** Checks order per sender: within a session sequence numbers rise by one; a new session starts at 0. */
    final class CountingSink implements LogSink {
        @Override
        public String id() {
            return "soak-count";
        }

        @Override
        public void accept(LogRecord r) {
            SenderCheck c = checks.computeIfAbsent(r.unikernel(), n -> new SenderCheck());
            if (r.origin() == LogOrigin.MONITOR) {
                if (r.attribute("dropped").isPresent()) {
                    c.droppedReports.incrementAndGet();
                }
                return;
            }
            c.stored.incrementAndGet();
            if (r.origin() == LogOrigin.TCP) {
                if (r.sequence() != c.lastSequence + 1 && r.sequence() != 0) {
                    c.outOfOrder.incrementAndGet();
                }
                c.lastSequence = r.sequence();
            }
        }
    }

    private static Duration parseDuration(String text) {
        String t = text.trim().toLowerCase(java.util.Locale.ROOT);
        try {
            if (t.endsWith("ms")) {
                return Duration.ofMillis(Long.parseLong(t.substring(0, t.length() - 2)));
            }
            long n = Long.parseLong(t.substring(0, t.length() - 1));
            return switch (t.charAt(t.length() - 1)) {
                case 's' -> Duration.ofSeconds(n);
                case 'm' -> Duration.ofMinutes(n);
                case 'h' -> Duration.ofHours(n);
                default -> throw new NumberFormatException();
            };
        } catch (RuntimeException e) {
            throw new picocli.CommandLine.ParameterException(new picocli.CommandLine(new SoakCommand()),
                    "--duration '" + text + "' is not a duration: use a number with s, m, h or ms, e.g. 60s");
        }
    }

    private String token() {
        byte[] b = new byte[16];
        random.nextBytes(b);
        return HexFormat.of().formatHex(b);
    }

    private static RecordFrame record(long sequence, String text) {
        return new RecordFrame(sequence, GuestClock.WALL, System.currentTimeMillis() * 1_000_000L, LogLevel.INFO,
                "soak", text, List.of(Attribute.of("seq", sequence)));
    }

    @Override
    public Integer call() throws Exception {
        Duration runFor = parseDuration(duration);
        // Hundreds of rejections and crashes are the point here; the table counts them, the log need not list them.
        System.setProperty("org.slf4j.simpleLogger.log.io.umonitor.core", "error");
        Path dir = directory != null ? Files.createDirectories(directory) : Files.createTempDirectory("umonitor-soak-");
        String token = token();
        Monitor monitor = Monitor.builder().discoverProviders(false).backend(new ProcessBackend())
                .sink(new FileSink(dir, FileSink.Format.TEXT, 4L * 1024 * 1024, 2)).sink(new CountingSink())
                .property("log.senderRateLimit", Long.toString(rateLimit)).property("log.reportIntervalMs", "500")
                .acceptAttachedSenders(token).stateDirectory(dir.resolve("state")).workDirectory(dir.resolve("work"))
                .build();
        InetSocketAddress tcp = endpoint(monitor, CollectorEndpoint.Transport.TCP);
        InetSocketAddress udp = endpoint(monitor, CollectorEndpoint.Transport.UDP);
        long deadline = System.nanoTime() + runFor.toNanos();
        System.err.printf("soak: %s, %d TCP senders at %d records/s in all, per-sender rate limit %d/s, files in %s%n",
                runFor, tcpSenders, tcpRate, rateLimit, dir);

        ExecutorService pool = Executors.newCachedThreadPool();
        List<String> broken = new ArrayList<>();
        List<String[]> rows = new ArrayList<>();
        try {
            // Load: TCP senders, paced, each in sessions of up to 20,000 records.
            AtomicLong[] tcpSent = new AtomicLong[tcpSenders];
            List<Future<?>> load = new ArrayList<>();
            for (int i = 0; i < tcpSenders; i++) {
                String name = "load-" + i;
                AtomicLong sent = tcpSent[i] = new AtomicLong();
                double perSecond = Math.max(1.0, (double) tcpRate / tcpSenders);
                load.add(pool.submit(() -> tcpLoad(tcp, name, token, perSecond, deadline, sent)));
            }
            // UDP with gaps on purpose: every 10th datagram of 5 records is not sent.
            AtomicLong gapSent = new AtomicLong();
            AtomicLong gapSkipped = new AtomicLong();
            Future<?> gaps = pool.submit(() -> udpGaps(udp, token, deadline, gapSent, gapSkipped));
            // Flood: one UDP sender at full speed; stops a second early so the last GOODBYEs get through.
            AtomicLong floodSent = new AtomicLong();
            Future<?> flood = pool.submit(() -> udpFlood(udp, token, deadline - TimeUnit.SECONDS.toNanos(1),
                    floodSent));
            // Bad input: a bad connection every 50 ms, four kinds in turn; each must be rejected exactly once.
            long[] badInjected = new long[4];
            Future<?> bad = pool.submit(() -> badInput(tcp, token, deadline, badInjected));
            // Crashes: a guest that aborts after 200 ms, restarted every time, under a real monitor.
            Future<long[]> crashes = pool.submit(() -> crashes(monitor, deadline));

            for (Future<?> f : load) {
                f.get(runFor.toSeconds() + 60, TimeUnit.SECONDS);
            }
            gaps.get(60, TimeUnit.SECONDS);
            flood.get(60, TimeUnit.SECONDS);
            bad.get(60, TimeUnit.SECONDS);
            long[] crash = crashes.get(60, TimeUnit.SECONDS);

            // Let the hub settle: everything sent over TCP must be stored.
            long settle = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (System.nanoTime() < settle && !tcpSettled(tcpSent)) {
                Thread.sleep(50);
            }
            Thread.sleep(1200); // two report intervals, so drop reports are out
            long tcpTotal = 0;
            long tcpStored = 0;
            long outOfOrder = 0;
            long slowest = Long.MAX_VALUE;
            for (int i = 0; i < tcpSenders; i++) {
                SenderCheck c = check("load-" + i);
                tcpTotal += tcpSent[i].get();
                tcpStored += c.stored.get();
                outOfOrder += c.outOfOrder.get();
                slowest = Math.min(slowest, tcpSent[i].get());
                if (c.stored.get() != tcpSent[i].get()) {
                    broken.add("load-" + i + ": " + tcpSent[i].get() + " sent over TCP but " + c.stored.get() + " stored");
                }
            }
            if (outOfOrder > 0) {
                broken.add(outOfOrder + " TCP record(s) stored out of order");
            }
            double expectedPerSender = (double) tcpRate / tcpSenders * runFor.toMillis() / 1000.0;
            if (slowest < expectedPerSender / 2) {
                broken.add("a TCP sender was starved: " + slowest + " records sent, about " + (long) expectedPerSender
                        + " expected");
            }
            rows.add(row("tcp-load", tcpSenders, tcpTotal, tcpStored, rejectedOf(monitor, "load-"), droppedOf(monitor, "load-"),
                    "-", lostOf(monitor, "load-"), "-"));

            LogStats g = monitor.logStats("udp-gaps");
            SenderCheck gc = check("udp-gaps");
            long gapProduced = gapSent.get() + gapSkipped.get();
            if (g.received() + g.lost() != gapProduced) {
                broken.add("udp-gaps: " + gapProduced + " produced = " + g.received() + " received + " + g.lost()
                        + " counted lost does not hold (a silent loss)");
            }
            if (g.lost() < gapSkipped.get()) {
                broken.add("udp-gaps: " + gapSkipped.get() + " left out on purpose but only " + g.lost() + " counted lost");
            }
            // A record one sink's full queue dropped is counted once per sink, so only bounds can be checked.
            if (gc.stored.get() > g.received() || gc.stored.get() + g.dropped() < g.received()) {
                broken.add("udp-gaps: " + g.received() + " received but " + gc.stored.get() + " stored and " + g.dropped()
                        + " dropped");
            }
            rows.add(row("udp-gaps", 1, gapSent.get() + gapSkipped.get(), gc.stored.get(), g.rejected(), g.dropped(),
                    "queue", g.lost(), gapSkipped.get() + " left out on purpose" + (g.lost() > gapSkipped.get()
                            ? ", " + (g.lost() - gapSkipped.get()) + " overflowed the UDP socket" : "")));

            LogStats fl = monitor.logStats("flood");
            SenderCheck fc = check("flood");
            if (fc.stored.get() > fl.received() || fc.stored.get() + fl.dropped() < fl.received()) {
                broken.add("flood: " + fl.received() + " received but " + fc.stored.get() + " stored and " + fl.dropped()
                        + " dropped");
            }
            if (fl.received() + fl.lost() != floodSent.get()) {
                broken.add("flood: " + floodSent.get() + " sent = " + fl.received() + " received + " + fl.lost()
                        + " counted lost does not hold (a silent loss)");
            }
            if (fl.dropped() > 0 && fc.droppedReports.get() == 0) {
                broken.add("flood: " + fl.dropped() + " dropped but no MONITOR record reported it");
            }
            rows.add(row("udp-flood", 1, floodSent.get(), fc.stored.get(), fl.rejected(), fl.dropped(),
                    "rate limit " + rateLimit + "/s", fl.lost(), "lost: overflowed the UDP socket, counted from gaps"));

            long injected = badInjected[0] + badInjected[1] + badInjected[2] + badInjected[3];
            long rejected = monitor.logStats("bad").rejected() + monitor.logCounters().get("input.refused.unattributed");
            if (rejected != injected) {
                broken.add("bad input: " + injected + " bad connections but " + rejected + " rejections counted");
            }
            rows.add(row("bad-input", 1, injected, check("bad").stored.get(), rejected, 0, "-", 0,
                    String.format("garbage %d, bad token %d, bad CRC %d, oversized %d", badInjected[0], badInjected[1],
                            badInjected[2], badInjected[3])));

            if (crash[1] != crash[0]) {
                broken.add("crashes: " + crash[0] + " aborts injected but " + crash[1] + " detected as CRASH signal 6");
            }
            if (crash[3] < crash[0]) {
                broken.add("crashes: " + crash[0] + " guests crashed after a FATAL line but only " + crash[3]
                        + " FATAL lines were stored");
            }
            rows.add(row("crashes", 1, crash[0], crash[3], 0, 0, "-", 0, crash[1] + " detected as CRASH, "
                    + crash[2] + " restarts, FATAL line stored before each crash"));

            // Attacks on resources, one after the other so their counters are their own.
            long stormPhase = Math.min(TimeUnit.SECONDS.toNanos(5), Math.max(TimeUnit.SECONDS.toNanos(3),
                    runFor.toNanos() / 6));
            long[] storm = storm(tcp, token, monitor, stormPhase);
            if (storm[2] != storm[1]) {
                broken.add("storm: a launched guest sent " + storm[1] + " records during a storm of "
                        + stormConnections + " silent connections but " + storm[2] + " were stored");
            }
            if (storm[3] == 0) {
                broken.add("storm: no silent connection was closed or refused (admission control did nothing)");
            }
            rows.add(row("storm", 1 + stormConnections, storm[1], storm[2], storm[3], 0, "-", 0,
                    storm[0] + " silent connections held at peak; " + storm[3] + " closed or refused (HELLO deadline, "
                            + "eviction), all counted"));

            long[] frames = maxFrameFlood(tcp, token, monitor, stormPhase);
            if (frames[1] != frames[0]) {
                broken.add("max-frame flood: " + frames[0] + " maximum-size records sent over TCP but " + frames[1]
                        + " stored");
            }
            if (frames[2] > frames[3]) {
                broken.add("max-frame flood: the hub held " + frames[2] + " bytes, over its budget of " + frames[3]);
            }
            rows.add(row("max-frames", 2, frames[0], frames[1], 0, 0, "-", 0, "peak held " + (frames[2] >> 20)
                    + " MiB of a " + (frames[3] >> 20) + " MiB budget; TCP senders waited instead"));

            long faults = injected + crash[0] + gapSkipped.get() / 5;
            boolean collectorsAlive = tcpSettled(tcpSent);
            PrintStream out = System.out;
            out.println();
            out.printf("%-10s %7s %10s %10s %9s %9s  %-18s %8s  %s%n", "SCENARIO", "SENDERS", "SENT", "STORED",
                    "REJECTED", "DROPPED", "DROP REASON", "LOST", "NOTES");
            for (String[] r : rows) {
                out.printf("%-10s %7s %10s %10s %9s %9s  %-18s %8s  %s%n", (Object[]) r);
            }
            out.println();
            out.printf("faults injected: %d (%d bad connections, %d aborts, %d UDP datagrams left out); survived: %s%n",
                    faults, injected, crash[0], gapSkipped.get() / 5, collectorsAlive && broken.isEmpty() ? "all" : "NOT all");
            out.printf("invariants: %s%n", broken.isEmpty() ? "all held" : broken.size() + " BROKEN");
            broken.forEach(b -> out.println("  BROKEN: " + b));
            return broken.isEmpty() ? 0 : 1;
        } finally {
            pool.shutdownNow();
            monitor.close();
            if (directory == null) {
                try (Stream<Path> all = Files.walk(dir)) {
                    all.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
                }
            }
        }
    }

    /**
     * A hostile local client holds {@code --storm-connections} silent connections (reopening each one closed)
     * while a registered guest sends 3,000 records. Returns {peak held, guest sent, guest stored, refusals}.
     */
    private long[] storm(InetSocketAddress to, String token, Monitor monitor, long phaseNanos) throws Exception {
        long refusedBefore = refusals(monitor);
        long until = System.nanoTime() + phaseNanos;
        long[] peak = new long[1];
        Thread attacker = new Thread(() -> holdSilentConnections(to, until, peak), "soak-storm");
        attacker.setDaemon(true);
        attacker.start();
        sleepMillis(Math.min(1000, TimeUnit.NANOSECONDS.toMillis(phaseNanos) / 3));
        AtomicLong sent = new AtomicLong();
        tcpLoad(to, "storm-guest", token, 3000, System.nanoTime() + TimeUnit.SECONDS.toNanos(1), sent);
        attacker.join(TimeUnit.NANOSECONDS.toMillis(phaseNanos) + 10_000);
        long settle = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (check("storm-guest").stored.get() < sent.get() && System.nanoTime() < settle) {
            sleepMillis(20);
        }
        return new long[] {peak[0], sent.get(), check("storm-guest").stored.get(), refusals(monitor) - refusedBefore};
    }

    private static long refusals(Monitor monitor) {
        Map<String, Long> c = monitor.logCounters();
        return c.get("tcp.refused.helloTimeout") + c.get("tcp.refused.pendingEvicted") + c.get("tcp.refused.perPeer")
                + c.get("tcp.refused.noSlot");
    }

    private void holdSilentConnections(InetSocketAddress to, long until, long[] peak) {
        try (java.nio.channels.Selector selector = java.nio.channels.Selector.open()) {
            java.nio.ByteBuffer sink = java.nio.ByteBuffer.allocate(64);
            int open = 0;
            int toOpen = stormConnections;
            while (System.nanoTime() < until) {
                for (int i = 0; i < 500 && toOpen > 0; i++, toOpen--) {
                    java.nio.channels.SocketChannel c = java.nio.channels.SocketChannel.open();
                    c.configureBlocking(false);
                    c.connect(to);
                    c.register(selector, java.nio.channels.SelectionKey.OP_CONNECT);
                }
                selector.select(20);
                for (var key : selector.selectedKeys()) {
                    var c = (java.nio.channels.SocketChannel) key.channel();
                    try {
                        if (key.isConnectable() && c.finishConnect()) {
                            key.interestOps(java.nio.channels.SelectionKey.OP_READ);
                            open++;
                        } else if (key.isReadable() && c.read(sink.clear()) < 0) {
                            throw new IOException("closed by the collector");
                        }
                    } catch (IOException e) {
                        if (key.interestOps() == java.nio.channels.SelectionKey.OP_READ) {
                            open--;
                        }
                        key.cancel();
                        c.close();
                        toOpen++;
                    }
                }
                selector.selectedKeys().clear();
                peak[0] = Math.max(peak[0], open);
            }
            for (var key : selector.keys()) {
                key.channel().close();
            }
        } catch (IOException e) {
            throw new java.io.UncheckedIOException("the storm client failed", e);
        }
    }

    /**
     * Two registered senders write maximum-size records as fast as they can. Returns {sent, stored, peak bytes the
     * hub held, its budget}.
     */
    private long[] maxFrameFlood(InetSocketAddress to, String token, Monitor monitor, long phaseNanos)
            throws Exception {
        String big = "m".repeat(64_000);
        long until = System.nanoTime() + phaseNanos;
        List<Future<Long>> senders = new ArrayList<>();
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            for (int i = 0; i < 2; i++) {
                String name = "max-frames-" + i;
                senders.add(pool.submit(() -> {
                    FrameEncoder encoder = new FrameEncoder();
                    long seq = 0;
                    try (Socket socket = new Socket(to.getAddress(), to.getPort())) {
                        OutputStream out = socket.getOutputStream();
                        out.write(encoder.encode(new Hello(name, token, "soak", "1", random.nextLong())));
                        while (System.nanoTime() < until) {
                            out.write(encoder.encode(record(seq++, big)));
                        }
                        out.write(encoder.encode(new Goodbye(seq, 0, "done")));
                        socket.shutdownOutput();
                        awaitClose(socket);
                    }
                    return seq;
                }));
            }
            long peak = 0;
            while (senders.stream().anyMatch(f -> !f.isDone())) {
                Map<String, Long> c = monitor.logCounters();
                peak = Math.max(peak, c.get("memory.histories") + c.get("memory.sinkQueues") + c.get("memory.followers")
                        + c.get("memory.connections"));
                sleepMillis(20);
            }
            long sent = 0;
            for (Future<Long> f : senders) {
                sent += f.get();
            }
            long settle = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (check("max-frames-0").stored.get() + check("max-frames-1").stored.get() < sent
                    && System.nanoTime() < settle) {
                sleepMillis(20);
            }
            return new long[] {sent, check("max-frames-0").stored.get() + check("max-frames-1").stored.get(), peak,
                    monitor.logCounters().get("memory.budget")};
        } finally {
            pool.shutdownNow();
        }
    }

    private SenderCheck check(String name) {
        return checks.computeIfAbsent(name, n -> new SenderCheck());
    }

    private boolean tcpSettled(AtomicLong[] sent) {
        for (int i = 0; i < sent.length; i++) {
            if (check("load-" + i).stored.get() != sent[i].get()) {
                return false;
            }
        }
        return true;
    }

    private static long rejectedOf(Monitor monitor, String prefix) {
        return monitor.senders().stream().filter(n -> n.startsWith(prefix)).mapToLong(n -> monitor.logStats(n).rejected())
                .sum();
    }

    private static long droppedOf(Monitor monitor, String prefix) {
        return monitor.senders().stream().filter(n -> n.startsWith(prefix)).mapToLong(n -> monitor.logStats(n).dropped())
                .sum();
    }

    private static long lostOf(Monitor monitor, String prefix) {
        return monitor.senders().stream().filter(n -> n.startsWith(prefix)).mapToLong(n -> monitor.logStats(n).lost())
                .sum();
    }

    private static String[] row(String scenario, int senders, long sent, long stored, long rejected, long dropped,
            String reason, long lost, String notes) {
        return new String[] {scenario, Integer.toString(senders), Long.toString(sent), Long.toString(stored),
            Long.toString(rejected), Long.toString(dropped), dropped == 0 ? "-" : reason, Long.toString(lost), notes};
    }

    private static InetSocketAddress endpoint(Monitor monitor, CollectorEndpoint.Transport transport) {
        return monitor.endpoints().stream().filter(e -> e.transport() == transport).findFirst().orElseThrow()
                .address();
    }

    private Void tcpLoad(InetSocketAddress to, String name, String token, double perSecond, long deadline,
            AtomicLong sent) throws IOException {
        FrameEncoder encoder = new FrameEncoder();
        long start = System.nanoTime();
        while (System.nanoTime() < deadline) {
            try (Socket socket = new Socket(to.getAddress(), to.getPort())) {
                OutputStream out = new BufferedOutputStream(socket.getOutputStream(), 32 * 1024);
                out.write(encoder.encode(new Hello(name, token, "soak", "1", random.nextLong())));
                long sequence = 0;
                while (sequence < 20_000 && System.nanoTime() < deadline) {
                    // Pace to perSecond overall: send what is due, then wait a little.
                    long due = (long) ((System.nanoTime() - start) / 1e9 * perSecond) - sent.get();
                    for (long k = 0; k < Math.min(due, 20_000 - sequence); k++) {
                        out.write(encoder.encode(record(sequence, name + " record " + sequence)));
                        sequence++;
                        sent.incrementAndGet();
                    }
                    out.flush();
                    sleepMillis(5);
                }
                out.write(encoder.encode(new Goodbye(sequence, 0, "session end")));
                out.flush();
                socket.shutdownOutput();
                awaitClose(socket);
            }
        }
        return null;
    }

    private static void awaitClose(Socket socket) throws IOException {
        socket.setSoTimeout(30_000);
        InputStream in = socket.getInputStream();
        while (in.read() >= 0) {
            // the collector sends nothing; -1 once it has read everything
        }
    }

    private Void udpGaps(InetSocketAddress to, String token, long deadline, AtomicLong sent, AtomicLong skipped)
            throws IOException {
        FrameEncoder encoder = new FrameEncoder();
        Hello hello = new Hello("udp-gaps", token, "soak", "1", random.nextLong());
        long sequence = 0;
        try (DatagramSocket socket = new DatagramSocket()) {
            for (int index = 0; System.nanoTime() < deadline - TimeUnit.SECONDS.toNanos(1) + 500_000_000L; index++) {
                List<RecordFrame> frames = new ArrayList<>();
                for (int k = 0; k < 5; k++) {
                    frames.add(record(sequence++, "udp-gaps record " + (sequence - 1)));
                }
                if (index % 10 == 9) {
                    skipped.addAndGet(5);
                } else {
                    byte[] d = encoder.encodeDatagram(hello, frames);
                    socket.send(new DatagramPacket(d, d.length, to));
                    sent.addAndGet(5);
                }
                sleepMillis(2);
            }
            // The GOODBYE goes after the flood has stopped, so it arrives; it reveals any loss at the end.
            while (System.nanoTime() < deadline) {
                sleepMillis(20);
            }
            byte[] d = encoder.encodeDatagram(hello, List.of(new Goodbye(sequence, 0, "end")));
            socket.send(new DatagramPacket(d, d.length, to));
        }
        return null;
    }

    private Void udpFlood(InetSocketAddress to, String token, long until, AtomicLong sent) throws IOException {
        FrameEncoder encoder = new FrameEncoder();
        Hello hello = new Hello("flood", token, "soak", "1", random.nextLong());
        long sequence = 0;
        try (DatagramSocket socket = new DatagramSocket()) {
            while (System.nanoTime() < until) {
                List<RecordFrame> frames = new ArrayList<>();
                for (int k = 0; k < 10; k++) {
                    frames.add(record(sequence++, "flood"));
                }
                byte[] d = encoder.encodeDatagram(hello, frames);
                socket.send(new DatagramPacket(d, d.length, to));
                sent.addAndGet(10);
                if (sequence % 2000 == 0) {
                    Thread.yield(); // full speed, but the machine must still run the others
                }
            }
            sleepMillis(300); // let the socket drain, so the GOODBYE is not lost to the flood's own overflow
            byte[] d = encoder.encodeDatagram(hello, List.of(new Goodbye(sequence, 0, "end")));
            socket.send(new DatagramPacket(d, d.length, to));
        }
        return null;
    }

    private Void badInput(InetSocketAddress to, String token, long deadline, long[] injected) throws IOException {
        FrameEncoder encoder = new FrameEncoder();
        for (int i = 0; System.nanoTime() < deadline; i++) {
            int kind = i % 4;
            byte[] bytes = switch (kind) {
                case 0 -> "GET / HTTP/1.1\r\nHost: umonitor\r\n\r\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
                case 1 -> encoder.encode(new Hello("bad", token.substring(1) + "0", "soak", "1", i));
                case 2 -> {
                    byte[] hello = encoder.encode(new Hello("bad", token, "soak", "1", i));
                    byte[] corrupt = encoder.encode(record(0, "corrupt"));
                    corrupt[corrupt.length - 1] ^= 0x5a;
                    byte[] both = java.util.Arrays.copyOf(hello, hello.length + corrupt.length);
                    System.arraycopy(corrupt, 0, both, hello.length, corrupt.length);
                    yield both;
                }
                default -> {
                    byte[] hello = encoder.encode(new Hello("bad", token, "soak", "1", i));
                    byte[] both = java.util.Arrays.copyOf(hello, hello.length + 8);
                    java.nio.ByteBuffer.wrap(both, hello.length, 8).put((byte) 0x55).put((byte) 0x4d).put((byte) 1)
                            .put((byte) 2).putInt(1 << 30);
                    yield both;
                }
            };
            try (Socket socket = new Socket(to.getAddress(), to.getPort())) {
                socket.getOutputStream().write(bytes);
                socket.shutdownOutput();
                awaitClose(socket);
            } catch (IOException cutOff) {
                // the collector closed first: that is the expected outcome too
            }
            injected[kind]++;
            sleepMillis(50);
        }
        return null;
    }

    /** Returns {aborts injected, detected as CRASH with signal 6, restarts, FATAL lines stored}. */
    private long[] crashes(Monitor monitor, long deadline) throws Exception {
        AtomicLong fatalLines = new AtomicLong();
        AtomicLong exited = new AtomicLong();
        AtomicLong crashed = new AtomicLong();
        UnikernelSpec spec = UnikernelSpec.builder("crashy", Path.of("/bin/sh")).argument("-c")
                .argument("echo up; sleep 0.2; echo 'FATAL configuration is corrupt, aborting' >&2; kill -ABRT $$")
                .restartPolicy(RestartPolicy.onFailure(1_000_000, Duration.ofMillis(20), Duration.ofMillis(20)))
                .build();
        UnikernelHandle handle = monitor.launch(spec);
        try (AutoCloseable follow = monitor.follow("crashy", io.umonitor.api.LogFilter.ALL, r -> {
            if (r.origin() == LogOrigin.CONSOLE && r.message().startsWith("FATAL configuration is corrupt")) {
                fatalLines.incrementAndGet();
            }
            if (r.origin() == LogOrigin.MONITOR && is(r, "event", new AttributeValue.Str("exited"))) {
                exited.incrementAndGet();
                if (is(r, "classification", new AttributeValue.Str("CRASH"))
                        && is(r, "signal", new AttributeValue.Int(6))) {
                    crashed.incrementAndGet();
                }
            }
        })) {
            while (System.nanoTime() < deadline) {
                sleepMillis(100);
            }
            handle.stop(Duration.ofSeconds(2)); // a run stopped now ends as "stopped", not "exited"
            long stable = -1;
            for (int i = 0; i < 50 && stable != exited.get(); i++) {
                stable = exited.get();
                sleepMillis(100);
            }
        }
        return new long[] {exited.get(), crashed.get(), handle.restarts(), fatalLines.get()};
    }

    private static boolean is(LogRecord r, String key, AttributeValue value) {
        return r.attribute(key).map(value::equals).orElse(false);
    }

    private static void sleepMillis(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }
}
