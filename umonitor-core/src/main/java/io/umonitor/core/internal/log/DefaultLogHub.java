package io.umonitor.core.internal.log;

import io.umonitor.api.Attribute;
import io.umonitor.api.AttributeValue;
import io.umonitor.api.ConfigurationException;
import io.umonitor.api.GuestClock;
import io.umonitor.api.LogFilter;
import io.umonitor.api.LogLevel;
import io.umonitor.api.LogOrigin;
import io.umonitor.api.LogRecord;
import io.umonitor.api.LogStats;
import io.umonitor.api.Names;
import io.umonitor.api.ProtocolException;
import io.umonitor.api.spi.CollectorEndpoint;
import io.umonitor.api.spi.GuestOutput;
import io.umonitor.api.spi.LogSink;
import io.umonitor.core.internal.collect.Ingest;
import io.umonitor.core.internal.collect.TcpCollector;
import io.umonitor.core.internal.collect.UdpCollector;
import io.umonitor.protocol.ConsoleDecoder;
import io.umonitor.protocol.Frame;
import io.umonitor.protocol.Goodbye;
import io.umonitor.protocol.Hello;
import io.umonitor.protocol.RecordFrame;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The logging half of the monitor: TCP and UDP collectors, console ingestion, per-sender history
 * and loss accounting, followers, and one thread with a bounded queue per sink.
 *
 * <p>Data path: a collector thread decodes a round of input, appends each sender's records to its
 * history (which also feeds its followers) and hands the whole round to every sink queue as one
 * batch. TCP input waits for queue room instead of being dropped; UDP, console and monitor records
 * are cut at the queue bound and the overflow is counted and reported. Counters that change
 * (records lost, dropped, rejected, sink failures) are reported as MONITOR records of the sender they
 * concern, at most once per report interval each, so a misbehaving sender cannot flood its own log
 * with reports.
 */
public final class DefaultLogHub implements LogHub {
    private static final Logger LOG = LoggerFactory.getLogger(DefaultLogHub.class);
    private static final String MONITOR_LOGGER = "umonitor";
    /** Marks the pieces after the first of a console line longer than the backend's line limit. */
    private static final Attribute CONSOLE_CONTINUATION =
            new Attribute("console.continuation", new AttributeValue.Bool(true));
    private static final int DETAILED_REPORTS_PER_INTERVAL = 5;
    /** The attribute of the periodic "records dropped" report; a failing sink is not fed these reports. */
    static final String DROPPED_REPORT_ATTRIBUTE = "dropped";

    /**
     * Settings of the hub.
     *
     * @param tcpAddress where the TCP collector listens (port 0: any free port), or null for no TCP
     * @param udpAddress where the UDP collector listens (port 0: any free port), or null for no UDP
     * @param maxFrameLength the largest frame accepted, 64 to 65,535 bytes; also bounds the read buffer of each
     *     connection
     * @param historySize records kept in memory per sender for {@code history} and {@code follow}
     * @param sinkQueueCapacity records queued per sink before UDP, console and monitor records are dropped
     *     (TCP stops reading at three quarters of it)
     * @param senderRateLimit records per second per sender, 0 for no limit; TCP senders over it are paused,
     *     UDP records over it are dropped and counted
     * @param followerQueueCapacity live records queued per follower before it skips ahead
     * @param reportInterval how often changed counters are reported as MONITOR records
     * @param maxSenders how many sender names the hub keeps at most (bounds attach mode)
     * @param maxConnections how many TCP connections at once
     * @param udpReceiveBufferBytes SO_RCVBUF asked for the UDP socket (the kernel may cap it), 0 for the default
     */
    public record Settings(
            InetSocketAddress tcpAddress,
            InetSocketAddress udpAddress,
            int maxFrameLength,
            int historySize,
            int sinkQueueCapacity,
            long senderRateLimit,
            int followerQueueCapacity,
            Duration reportInterval,
            int maxSenders,
            int maxConnections,
            int udpReceiveBufferBytes) {

        public Settings {
            Objects.requireNonNull(reportInterval, "reportInterval");
            List<String> problems = new ArrayList<>();
            if (maxFrameLength < 64 || maxFrameLength > 65_535) {
                problems.add("maxFrameLength " + maxFrameLength + " is outside 64..65535");
            }
            if (historySize < 1) {
                problems.add("historySize " + historySize + " must be at least 1");
            }
            if (sinkQueueCapacity < 16) {
                problems.add("sinkQueueCapacity " + sinkQueueCapacity + " must be at least 16");
            }
            if (senderRateLimit < 0) {
                problems.add("senderRateLimit " + senderRateLimit + " must be 0 (no limit) or positive");
            }
            if (followerQueueCapacity < 1) {
                problems.add("followerQueueCapacity " + followerQueueCapacity + " must be at least 1");
            }
            if (reportInterval.isNegative() || reportInterval.isZero()) {
                problems.add("reportInterval " + reportInterval + " must be positive");
            }
            if (maxSenders < 1) {
                problems.add("maxSenders " + maxSenders + " must be at least 1");
            }
            if (maxConnections < 1) {
                problems.add("maxConnections " + maxConnections + " must be at least 1");
            }
            if (udpReceiveBufferBytes < 0) {
                problems.add("udpReceiveBufferBytes " + udpReceiveBufferBytes + " must be 0 (default) or positive");
            }
            if (!problems.isEmpty()) {
                throw new ConfigurationException("invalid log hub settings: " + String.join("; ", problems)
                        + ": fix these values (Settings.defaults() has working ones)");
            }
        }

        /** Loopback, any free ports, 64 KiB frames, 4,096 records of history per sender, no rate limit. */
        public static Settings defaults() {
            InetAddress loopback = InetAddress.getLoopbackAddress();
            return new Settings(new InetSocketAddress(loopback, 0), new InetSocketAddress(loopback, 0), 65_535,
                    4096, 32_768, 0, 65_536, Duration.ofSeconds(1), 10_000, 4096, 4 * 1024 * 1024);
        }

        public Settings withTcpAddress(InetSocketAddress address) {
            return new Settings(address, udpAddress, maxFrameLength, historySize, sinkQueueCapacity, senderRateLimit,
                    followerQueueCapacity, reportInterval, maxSenders, maxConnections, udpReceiveBufferBytes);
        }

        public Settings withUdpAddress(InetSocketAddress address) {
            return new Settings(tcpAddress, address, maxFrameLength, historySize, sinkQueueCapacity, senderRateLimit,
                    followerQueueCapacity, reportInterval, maxSenders, maxConnections, udpReceiveBufferBytes);
        }

        public Settings withMaxFrameLength(int value) {
            return new Settings(tcpAddress, udpAddress, value, historySize, sinkQueueCapacity, senderRateLimit,
                    followerQueueCapacity, reportInterval, maxSenders, maxConnections, udpReceiveBufferBytes);
        }

        public Settings withHistorySize(int value) {
            return new Settings(tcpAddress, udpAddress, maxFrameLength, value, sinkQueueCapacity, senderRateLimit,
                    followerQueueCapacity, reportInterval, maxSenders, maxConnections, udpReceiveBufferBytes);
        }

        public Settings withSinkQueueCapacity(int value) {
            return new Settings(tcpAddress, udpAddress, maxFrameLength, historySize, value, senderRateLimit,
                    followerQueueCapacity, reportInterval, maxSenders, maxConnections, udpReceiveBufferBytes);
        }

        public Settings withSenderRateLimit(long value) {
            return new Settings(tcpAddress, udpAddress, maxFrameLength, historySize, sinkQueueCapacity, value,
                    followerQueueCapacity, reportInterval, maxSenders, maxConnections, udpReceiveBufferBytes);
        }

        public Settings withFollowerQueueCapacity(int value) {
            return new Settings(tcpAddress, udpAddress, maxFrameLength, historySize, sinkQueueCapacity, senderRateLimit,
                    value, reportInterval, maxSenders, maxConnections, udpReceiveBufferBytes);
        }

        public Settings withReportInterval(Duration value) {
            return new Settings(tcpAddress, udpAddress, maxFrameLength, historySize, sinkQueueCapacity, senderRateLimit,
                    followerQueueCapacity, value, maxSenders, maxConnections, udpReceiveBufferBytes);
        }

        public Settings withMaxSenders(int value) {
            return new Settings(tcpAddress, udpAddress, maxFrameLength, historySize, sinkQueueCapacity, senderRateLimit,
                    followerQueueCapacity, reportInterval, value, maxConnections, udpReceiveBufferBytes);
        }

        public Settings withMaxConnections(int value) {
            return new Settings(tcpAddress, udpAddress, maxFrameLength, historySize, sinkQueueCapacity, senderRateLimit,
                    followerQueueCapacity, reportInterval, maxSenders, value, udpReceiveBufferBytes);
        }

        public Settings withUdpReceiveBufferBytes(int value) {
            return new Settings(tcpAddress, udpAddress, maxFrameLength, historySize, sinkQueueCapacity, senderRateLimit,
                    followerQueueCapacity, reportInterval, maxSenders, maxConnections, value);
        }
    }

    private final Settings settings;
    private final HubLimits limits;
    private final MemoryBudget budget;
    private final Object trimLock = new Object();
    private final ConcurrentHashMap<String, SenderState> senders = new ConcurrentHashMap<>();
    private final Object registry = new Object();
    private volatile Follower[] globalFollowers = new Follower[0];
    private final SinkRunner[] runners;
    private final TcpCollector tcp;
    private final UdpCollector udp;
    private final List<CollectorEndpoint> loopbackEndpoints;
    private final Map<InetAddress, List<CollectorEndpoint>> extraEndpoints = new HashMap<>();
    private final ScheduledExecutorService reporter;
    private final AtomicBoolean closed = new AtomicBoolean();
    private volatile byte[] attachToken;
    private final AtomicLong unattributedRejections = new AtomicLong();
    private final AtomicInteger unattributedLogged = new AtomicInteger();
    private final Object room = new Object();
    private volatile boolean tcpWaiting;
    private final IngestImpl ingest = new IngestImpl();

    private DefaultLogHub(Settings settings, HubLimits limits, List<LogSink> sinks) {
        this.settings = settings;
        this.limits = limits;
        this.budget = new MemoryBudget(limits.effectiveMemoryBudget());
        this.runners = sinks.stream().map(s -> new SinkRunner(s, settings.sinkQueueCapacity(), this))
                .toArray(SinkRunner[]::new);
        for (SinkRunner r : runners) {
            r.start();
        }
        List<CollectorEndpoint> endpoints = new ArrayList<>();
        TcpCollector tcpCollector = null;
        UdpCollector udpCollector = null;
        try {
            if (settings.tcpAddress() != null) {
                tcpCollector = new TcpCollector(ingest, settings.maxFrameLength(), settings.maxConnections(),
                        limits.admission(), budget.connections);
                endpoints.add(new CollectorEndpoint(CollectorEndpoint.Transport.TCP,
                        usable(tcpCollector.listen(settings.tcpAddress())), null));
            }
            if (settings.udpAddress() != null) {
                udpCollector = new UdpCollector(ingest, settings.maxFrameLength(), settings.udpReceiveBufferBytes());
                endpoints.add(new CollectorEndpoint(CollectorEndpoint.Transport.UDP,
                        usable(udpCollector.listen(settings.udpAddress())), null));
            }
        } catch (IOException | RuntimeException e) {
            if (tcpCollector != null) {
                tcpCollector.close();
            }
            if (udpCollector != null) {
                udpCollector.close();
            }
            for (SinkRunner r : runners) {
                r.close(1000);
            }
            throw new ConfigurationException("the log collectors cannot listen on TCP " + settings.tcpAddress()
                    + " / UDP " + settings.udpAddress() + ": " + e.getMessage()
                    + ": choose a free port (0 picks one) on an address of this host", e);
        }
        this.tcp = tcpCollector;
        this.udp = udpCollector;
        this.loopbackEndpoints = List.copyOf(endpoints);
        this.reporter = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "umonitor-log-reporter");
            t.setDaemon(true);
            return t;
        });
        long interval = settings.reportInterval().toNanos();
        reporter.scheduleAtFixedRate(this::reportSafely, interval, interval, TimeUnit.NANOSECONDS);
    }

    /** A wildcard bind (0.0.0.0, ::) is reached locally at 127.0.0.1: that is the address to hand out. */
    private static InetSocketAddress usable(InetSocketAddress bound) {
        if (bound.getAddress().isAnyLocalAddress()) {
            return new InetSocketAddress(InetAddress.getLoopbackAddress(), bound.getPort());
        }
        return bound;
    }

    /**
     * Starts collectors and sink threads. The sinks must already be opened; the hub closes them.
     *
     * @throws ConfigurationException when a collector cannot listen where the settings say
     */
    public static DefaultLogHub start(Settings settings, List<LogSink> openedSinks) {
        return start(settings, HubLimits.defaults(), openedSinks);
    }

    /** As {@link #start(Settings, List)}, with non-default {@link HubLimits}. */
    public static DefaultLogHub start(Settings settings, HubLimits limits, List<LogSink> openedSinks) {
        Objects.requireNonNull(settings, "settings");
        Objects.requireNonNull(limits, "limits");
        return new DefaultLogHub(settings, limits, List.copyOf(openedSinks));
    }

    @Override
    public Map<String, Long> counters() {
        Map<String, Long> c = new java.util.LinkedHashMap<>();
        TcpCollector.AdmissionStats a = admissionStats();
        c.put("tcp.connections.pending", (long) a.pending());
        c.put("tcp.connections.launched", (long) a.launched());
        c.put("tcp.connections.attached", (long) a.attached());
        c.put("tcp.refused.helloTimeout", a.helloTimeouts());
        c.put("tcp.refused.pendingEvicted", a.pendingEvicted());
        c.put("tcp.refused.perPeer", a.refusedPerPeer());
        c.put("tcp.refused.noSlot", a.refusedNoSlot());
        c.put("tcp.refused.attachedShare", a.refusedAttached());
        c.put("tcp.closed.idle", a.idleTimeouts());
        c.put("input.refused.unattributed", unattributedRejections.get());
        c.put("memory.budget", budget.total());
        c.put("memory.histories", budget.history.used());
        c.put("memory.sinkQueues", budget.sinkQueues.used());
        c.put("memory.followers", budget.followers.used());
        c.put("memory.connections", budget.connections.used());
        c.put("tcp.collector.failures", tcp == null ? 0 : tcp.failures());
        c.put("tcp.collector.broken", tcp != null && tcp.broken() ? 1L : 0L);
        c.put("udp.collector.failures", udp == null ? 0 : udp.failures());
        c.put("udp.collector.broken", udp != null && udp.broken() ? 1L : 0L);
        for (SinkRunner r : runners) {
            c.put("sink." + r.id() + ".failures", r.failures());
            c.put("sink." + r.id() + ".reportsKeptOut", r.reportsKeptOut());
            c.put("sink." + r.id() + ".threadFailures", r.threadFailures());
        }
        return c;
    }

    @Override
    public void bindTokenToFirstSession(String name) {
        SenderState s = senders.get(name);
        if (s != null) {
            s.bindToFirstSession();
        }
    }

    @Override
    public void reopenFiles() {
        for (SinkRunner r : runners) {
            r.reopen();
        }
    }

    public HubLimits limits() {
        return limits;
    }

    /** The TCP collector's admission counters (all zero without a TCP collector). */
    public TcpCollector.AdmissionStats admissionStats() {
        return tcp == null ? new TcpCollector.AdmissionStats(0, 0, 0, 0, 0, 0, 0, 0, 0) : tcp.admissionStats();
    }

    public Settings settings() {
        return settings;
    }

    /** How collector extensions (syslog) hand records in, the way the TCP and UDP collectors do. */
    public Ingest ingest() {
        return ingest;
    }

    /** Rejections that could not be attributed to any sender (garbage before a HELLO, unknown names). */
    public long unattributedRejections() {
        return unattributedRejections.get();
    }

    /** Failures of the sink with this id since the hub started (0 for an unknown id). */
    public long sinkFailures(String sinkId) {
        for (SinkRunner r : runners) {
            if (r.id().equals(sinkId)) {
                return r.failures();
            }
        }
        return 0;
    }

    // ---- senders ----

    private SenderState sender(String name) {
        SenderState s = senders.get(name);
        if (s != null) {
            return s;
        }
        synchronized (registry) {
            s = senders.get(name);
            if (s == null) {
                if (senders.size() >= settings.maxSenders()) {
                    return null;
                }
                s = new SenderState(name, settings.historySize(), settings.senderRateLimit(),
                        Arrays.stream(globalFollowers).toArray(Follower[]::new), budget.history);
                senders.put(name, s);
                budget.history.holders(senders.size());
            }
            return s;
        }
    }

    private SenderState requireSender(String name) {
        Names.requireValidUnikernelName(name);
        SenderState s = sender(name);
        if (s == null) {
            throw new ConfigurationException("cannot keep logs of '" + name + "': the hub already keeps "
                    + settings.maxSenders() + " senders (maxSenders): raise the limit");
        }
        return s;
    }

    @Override
    public void registerSender(String name, String token) {
        Objects.requireNonNull(token, "token");
        requireSender(name).token(token);
    }

    @Override
    public void unregisterSender(String name) {
        SenderState s = senders.get(name);
        if (s != null) {
            s.token(null);
        }
    }

    @Override
    public void acceptUnregisteredSenders(String token) {
        if (token != null && token.isEmpty()) {
            for (InetSocketAddress a : java.util.Arrays.asList(settings.tcpAddress(), settings.udpAddress())) {
                if (a != null && !a.getAddress().isLoopbackAddress()) {
                    throw new ConfigurationException("attach mode without a token on " + a.getAddress().getHostAddress()
                            + ":" + a.getPort() + " would store records from anyone who can reach that address: set a "
                            + "token (umonitor listen --token-file FILE or the UMONITOR_TOKEN environment variable; "
                            + "Monitor.builder().acceptAttachedSenders(TOKEN)) or listen on 127.0.0.1");
                }
            }
        }
        attachToken = token == null ? null : token.getBytes(StandardCharsets.UTF_8);
    }

    // ---- endpoints ----

    @Override
    public List<CollectorEndpoint> loopbackEndpoints() {
        return loopbackEndpoints;
    }

    @Override
    public List<CollectorEndpoint> listenOn(InetAddress hostAddress, String networkDevice) {
        Objects.requireNonNull(hostAddress, "hostAddress");
        synchronized (extraEndpoints) {
            List<CollectorEndpoint> existing = extraEndpoints.get(hostAddress);
            if (existing != null) {
                return existing.stream()
                        .map(e -> new CollectorEndpoint(e.transport(), e.address(), networkDevice)).toList();
            }
            List<CollectorEndpoint> endpoints = new ArrayList<>();
            try {
                for (CollectorEndpoint loopback : loopbackEndpoints) {
                    int port = loopback.address().getPort();
                    InetSocketAddress bound = loopback.transport() == CollectorEndpoint.Transport.TCP
                            ? bindTcp(hostAddress, port) : bindUdp(hostAddress, port);
                    endpoints.add(new CollectorEndpoint(loopback.transport(), bound, networkDevice));
                }
            } catch (IOException | UncheckedIOException e) {
                stopListeningOn(hostAddress);
                throw new ConfigurationException("the log collectors cannot listen on " + hostAddress.getHostAddress()
                        + " (device " + networkDevice + "): " + e.getMessage()
                        + ": the address must be assigned to an interface of this host", e);
            }
            extraEndpoints.put(hostAddress, List.copyOf(endpoints));
            return List.copyOf(endpoints);
        }
    }

    private InetSocketAddress bindTcp(InetAddress address, int preferredPort) throws IOException {
        try {
            return tcp.listen(new InetSocketAddress(address, preferredPort));
        } catch (IOException e) {
            return tcp.listen(new InetSocketAddress(address, 0));
        }
    }

    private InetSocketAddress bindUdp(InetAddress address, int preferredPort) throws IOException {
        try {
            return udp.listen(new InetSocketAddress(address, preferredPort));
        } catch (IOException e) {
            return udp.listen(new InetSocketAddress(address, 0));
        }
    }

    @Override
    public void stopListeningOn(InetAddress hostAddress) {
        synchronized (extraEndpoints) {
            extraEndpoints.remove(hostAddress);
            if (tcp != null) {
                tcp.stopListening(hostAddress);
            }
            if (udp != null) {
                udp.stopListening(hostAddress);
            }
        }
    }

    // ---- console and monitor records ----

    @Override
    public void consoleLine(String name, GuestOutput.Stream stream, String line) {
        consoleText(name, stream, line, false);
    }

    @Override
    public void consoleContinuation(String name, GuestOutput.Stream stream, String piece) {
        consoleText(name, stream, piece, true);
    }

    private void consoleText(String name, GuestOutput.Stream stream, String line, boolean continuation) {
        SenderState s = sender(name);
        if (s == null || closed.get()) {
            return;
        }
        LogRecord record = null;
        if (!continuation && line.startsWith("@UM1:")) {
            record = consoleFrame(s, line);
        }
        if (record == null) {
            LogLevel level = stream == GuestOutput.Stream.STDERR ? LogLevel.WARN : LogLevel.INFO;
            record = new LogRecord(name, LogOrigin.CONSOLE, -1, GuestClock.NONE, 0, Instant.now(), level,
                    stream.name().toLowerCase(Locale.ROOT), line,
                    continuation ? List.of(CONSOLE_CONTINUATION) : List.of());
        }
        s.received(1);
        record = s.maskToken(record);
        s.append(record);
        dispatch(List.of(record), false);
    }

    /** Decodes a console-encoded frame; null when the line is to be kept as text (not a frame, bad frame). */
    private LogRecord consoleFrame(SenderState s, String line) {
        SenderState.ConsoleState console = s.console;
        synchronized (console) {
            Optional<Frame> decoded;
            try {
                if (console.decoder == null) {
                    console.decoder = new ConsoleDecoder();
                }
                decoded = console.decoder.decodeLine(line);
            } catch (ProtocolException | IllegalArgumentException e) {
                ingest.rejected(s, LogOrigin.CONSOLE, "console", "bad console-encoded line kept as text: "
                        + Ingest.describe(e));
                return null;
            }
            if (decoded.isEmpty()) {
                return null;
            }
            Frame frame = decoded.get();
            if (console.sequences == null) {
                console.sequences = s.session(console.session);
            }
            if (frame instanceof RecordFrame r) {
                s.lost(console.sequences.observe(r.sequence()));
                return new LogRecord(s.name(), LogOrigin.CONSOLE, true, r.sequence(), r.clock(), r.timestampNanos(),
                        Instant.now(), r.level(), r.logger(), r.message(), r.attributes());
            }
            // Session frames carry no record of their own. Say in words what the guest printed (never the raw
            // base64, and never the HELLO's token), so the line is neither lost nor unreadable.
            String message;
            if (frame instanceof Hello hello) {
                console.session = hello.session();
                console.sequences = s.session(hello.session());
                message = "log client " + hello.clientName() + " " + hello.clientVersion() + " started session "
                        + Long.toUnsignedString(hello.session()) + " on the console";
            } else if (frame instanceof Goodbye goodbye) {
                s.lost(console.sequences.goodbye(goodbye.produced()));
                message = "log client ended session " + Long.toUnsignedString(console.session)
                        + " on the console: " + Long.toUnsignedString(goodbye.produced()) + " record(s) produced, "
                        + Long.toUnsignedString(goodbye.dropped()) + " dropped by the client"
                        + (goodbye.reason().isEmpty() ? "" : " (" + goodbye.reason() + ")");
            } else {
                message = "console frame " + frame.getClass().getSimpleName();
            }
            return new LogRecord(s.name(), LogOrigin.CONSOLE, -1, GuestClock.NONE, 0, Instant.now(), LogLevel.DEBUG,
                    "console", message, List.of());
        }
    }

    @Override
    public void publish(LogRecord record) {
        SenderState s = sender(record.unikernel());
        if (s == null || closed.get()) {
            return;
        }
        s.append(record);
        dispatch(List.of(record), false);
    }

    private void monitorRecord(SenderState s, LogLevel level, String message, List<Attribute> attributes) {
        if (closed.get() && runnersClosed) {
            return;
        }
        LogRecord record = new LogRecord(s.name(), LogOrigin.MONITOR, -1, GuestClock.NONE, 0, Instant.now(), level,
                MONITOR_LOGGER, message, attributes);
        s.append(record);
        dispatch(List.of(record), false);
    }

    // ---- history and follow ----

    @Override
    public List<LogRecord> history(String name, LogFilter filter) {
        SenderState s = senders.get(name);
        return s == null ? List.of() : s.history(filter == null ? LogFilter.ALL : filter);
    }

    @Override
    public AutoCloseable follow(String name, LogFilter filter, Consumer<LogRecord> consumer) {
        Objects.requireNonNull(consumer, "consumer");
        LogFilter f = filter == null ? LogFilter.ALL : filter;
        if (name == null) {
            Follower[] holder = new Follower[1];
            Follower follower = new Follower(null, f, consumer, settings.followerQueueCapacity(),
                    () -> unfollowAll(holder[0]), budget.followers);
            holder[0] = follower;
            synchronized (registry) {
                List<SenderState> all = new ArrayList<>(senders.values());
                all.sort(Comparator.comparing(SenderState::name));
                for (SenderState s : all) {
                    s.subscribe(follower);
                }
                Follower[] fs = Arrays.copyOf(globalFollowers, globalFollowers.length + 1);
                fs[fs.length - 1] = follower;
                globalFollowers = fs;
            }
            follower.start();
            return follower;
        }
        SenderState s = requireSender(name);
        Follower[] holder = new Follower[1];
        Follower follower = new Follower(name, f, consumer, settings.followerQueueCapacity(),
                () -> s.unsubscribe(holder[0]), budget.followers);
        holder[0] = follower;
        s.subscribe(follower);
        follower.start();
        return follower;
    }

    private void unfollowAll(Follower follower) {
        synchronized (registry) {
            globalFollowers = Arrays.stream(globalFollowers).filter(f -> f != follower).toArray(Follower[]::new);
            for (SenderState s : senders.values()) {
                s.unsubscribe(follower);
            }
        }
    }

    @Override
    public LogStats stats(String name) {
        SenderState s = senders.get(name);
        return s == null ? LogStats.ZERO : s.stats();
    }

    @Override
    public List<String> senders() {
        return senders.keySet().stream().sorted().toList();
    }

    // ---- dispatch to sinks ----

    private void dispatch(List<LogRecord> batch, boolean flowControlled) {
        if (budget.history.over()) {
            trimHistories();
        }
        for (SinkRunner r : runners) {
            int taken = r.offer(batch, 0, batch.size(), flowControlled);
            if (taken < batch.size()) {
                countDropped(batch, taken, batch.size());
            }
        }
    }

    private void countDropped(List<LogRecord> batch, int from, int to) {
        String lastName = null;
        long run = 0;
        for (int i = from; i < to; i++) {
            String name = batch.get(i).unikernel();
            if (!name.equals(lastName)) {
                addDropped(lastName, run);
                lastName = name;
                run = 0;
            }
            run++;
        }
        addDropped(lastName, run);
    }

    private void addDropped(String name, long n) {
        if (name != null && n > 0) {
            SenderState s = senders.get(name);
            if (s != null) {
                s.dropped(n);
            }
        }
    }

    /**
     * Over the histories' share although the appending sender kept to its fair part: the largest histories
     * give up their oldest records until the share holds again.
     */
    private void trimHistories() {
        synchronized (trimLock) {
            for (int round = 0; round < 64 && budget.history.over(); round++) {
                SenderState largest = null;
                long most = 0;
                for (SenderState s : senders.values()) {
                    long b = s.historyBytes();
                    if (b > most) {
                        most = b;
                        largest = s;
                    }
                }
                if (largest == null
                        || largest.trimOldest(Math.min(budget.history.fairShare(), most - most / 4)) == 0) {
                    return;
                }
            }
        }
    }

    /** The memory budget shared by histories, sink queues, followers and connection buffers. */
    MemoryBudget budget() {
        return budget;
    }

    private boolean belowMark(int numerator) {
        if (!budget.sinkQueues.belowQuarters(numerator)) {
            return false;
        }
        for (SinkRunner r : runners) {
            if (r.queued() > (long) r.capacity() * numerator / 4) {
                return false;
            }
        }
        return true;
    }

    /** Called by a sink thread each time it takes a batch: wakes a paused TCP collector once there is room. */
    void sinkProgress() {
        if (tcpWaiting && belowMark(2)) {
            synchronized (room) {
                room.notifyAll();
            }
        }
    }

    void sinkDropped(String unikernel, long records) {
        SenderState s = senders.get(unikernel);
        if (s != null) {
            s.dropped(records);
        }
    }

    /** A sink's failure report: into history, followers and every other sink, never into the failing one. */
    void reportSinkFailure(SinkRunner runner, String unikernel, String message, long failures) {
        SenderState s = unikernel == null ? null : senders.get(unikernel);
        if (s != null && !(closed.get() && runnersClosed)) {
            LogRecord record = new LogRecord(s.name(), LogOrigin.MONITOR, -1, GuestClock.NONE, 0, Instant.now(),
                    failures > 0 ? LogLevel.ERROR : LogLevel.INFO, MONITOR_LOGGER, message,
                    List.of(Attribute.of("sink", runner.id()), Attribute.of("sink.failures", failures)));
            s.append(record);
            List<LogRecord> batch = List.of(record);
            for (SinkRunner r : runners) {
                // A recovery report may go into the recovered sink; a failure report never into the failing one.
                if ((r != runner || failures == 0) && r.offer(batch, 0, 1, false) < 1) {
                    countDropped(batch, 0, 1);
                }
            }
        }
    }

    // ---- reports ----

    private void reportSafely() {
        try {
            report();
        } catch (RuntimeException | Error e) {
            // An exception escaping a scheduled task would cancel every later run: report and go on.
            LOG.warn("reporting log counters failed; will try again", e);
        }
    }

    /** Forgets attached senders idle longer than the limit; their files stay, a new HELLO starts afresh. */
    private void evictIdleAttached() {
        long idle = limits.attachedIdleEviction().toNanos();
        if (idle <= 0) {
            return;
        }
        long now = System.nanoTime();
        int evicted = 0;
        for (SenderState s : senders.values()) {
            if (s.attached && !s.everLaunched && now - s.lastActiveNanos() > idle) {
                synchronized (registry) {
                    if (s.attached && !s.everLaunched && senders.remove(s.name(), s)) {
                        s.evict();
                        s.dropHistory();
                        budget.history.holders(senders.size());
                        evicted++;
                    }
                }
                s.closeFollowers();
            }
        }
        if (evicted > 0) {
            LOG.info("forgot {} attached sender(s) idle for more than {} ms (log.attachedIdleMs); {} kept", evicted,
                    limits.attachedIdleEviction().toMillis(), senders.size());
        }
    }

    private void report() {
        evictIdleAttached();
        for (SenderState s : senders.values()) {
            s.detailedReports.set(0);
            long[] loss = s.takeLossReport();
            String total = Long.toUnsignedString(loss[2]) + " lost in total";
            if (loss[0] != 0) {
                monitorRecord(s, LogLevel.WARN, Long.toUnsignedString(loss[0]) + " record(s) lost before reaching "
                        + "umonitor (sequence gaps); " + total,
                        List.of(new Attribute("lost", new AttributeValue.UInt(loss[0]))));
            }
            if (loss[1] != 0) {
                monitorRecord(s, LogLevel.INFO, Long.toUnsignedString(loss[1]) + " record(s) counted lost arrived "
                        + "late after all; " + total,
                        List.of(new Attribute("recovered", new AttributeValue.UInt(loss[1]))));
            }
            long dropped = s.pendingDropped.getAndSet(0);
            if (dropped > 0) {
                monitorRecord(s, LogLevel.WARN, dropped + " record(s) dropped by umonitor (rate limit, full sink "
                        + "queue or sink failure); " + s.dropped.get() + " dropped in total",
                        List.of(Attribute.of(DROPPED_REPORT_ATTRIBUTE, dropped)));
            }
            long rejected = s.pendingRejected.getAndSet(0);
            if (rejected > 0) {
                monitorRecord(s, LogLevel.WARN, rejected + " more connection(s), datagram(s) or line(s) rejected; "
                        + s.rejected.get() + " rejected in total", List.of(Attribute.of("rejected", rejected)));
            }
        }
        for (SinkRunner r : runners) {
            r.reportDue();
        }
        int logged = unattributedLogged.getAndSet(0);
        if (logged > DETAILED_REPORTS_PER_INTERVAL) {
            LOG.warn("{} more log connection(s), datagram(s) or HELLO(s) refused before a sender was known in the last "
                    + "{} ms; {} in total", logged - DETAILED_REPORTS_PER_INTERVAL,
                    settings.reportInterval().toMillis(), unattributedRejections.get());
        }
    }

    // ---- the collectors' view ----

    private final class IngestImpl implements Ingest {
        @Override
        public SenderState authenticate(Hello hello, LogOrigin origin, Object peer) {
            String name = hello.name();
            byte[] presented = hello.token().getBytes(StandardCharsets.UTF_8);
            SenderState s = senders.get(name);
            if (s != null && s.isRegistered()) {
                if (s.tokenMatches(presented)) {
                    if (!s.bindSession(hello.session())) {
                        rejected(s, origin, peer, "the token is bound to the guest's first session and this HELLO "
                                + "starts another (" + Long.toUnsignedString(hello.session()) + "): a copied token?");
                        return null;
                    }
                    return s;
                }
                rejected(s, origin, peer, "wrong token in HELLO from '" + name + "' (a known name; the token is "
                        + "not the one this launch handed the unikernel)");
                return null;
            }
            byte[] shared = attachToken;
            if (shared != null && Names.isValidUnikernelName(name)
                    && (shared.length == 0 || MessageDigest.isEqual(shared, presented))) {
                SenderState attached = sender(name);
                if (attached != null) {
                    if (!attached.everLaunched) {
                        attached.attached = true;
                    }
                    return attached;
                }
                rejectedUnattributed(origin, peer, "sender '" + name + "' refused: the hub already keeps "
                        + settings.maxSenders() + " senders: raise log.maxSenders, or forget idle attached senders "
                        + "sooner with log.attachedIdleMs (now " + limits.attachedIdleEviction().toMillis() + " ms)");
                return null;
            }
            if (s != null) {
                rejected(s, origin, peer, shared == null ? "sender is not registered (stopped or never launched)"
                        : "wrong token in HELLO from '" + name + "' (not the collector's attach token)");
            } else if (shared != null && Names.isValidUnikernelName(name)) {
                rejectedUnattributed(origin, peer, "HELLO from '" + name + "' refused: wrong token (not the "
                        + "collector's attach token)");
            } else {
                rejectedUnattributed(origin, peer, "HELLO from unknown sender '" + name + "' refused: no unikernel "
                        + "of that name is registered");
            }
            return null;
        }

        @Override
        public SenderState senderNamed(String name, boolean registeredOnly) {
            if (registeredOnly) {
                SenderState s = senders.get(name);
                return s != null && s.isRegistered() ? s : null;
            }
            return Names.isValidUnikernelName(name) ? sender(name) : null;
        }

        @Override
        public void rejected(SenderState sender, LogOrigin origin, Object peer, String reason) {
            sender.rejected.incrementAndGet();
            if (sender.detailedReports.incrementAndGet() <= DETAILED_REPORTS_PER_INTERVAL) {
                monitorRecord(sender, LogLevel.WARN, "rejected " + origin + " input from " + peer + ": " + reason,
                        List.of(Attribute.of("rejected", 1), Attribute.of("origin", origin.name())));
            } else {
                sender.pendingRejected.incrementAndGet();
            }
        }

        @Override
        public void rejectedUnattributed(LogOrigin origin, Object peer, String reason) {
            unattributedRejections.incrementAndGet();
            if (unattributedLogged.incrementAndGet() <= DETAILED_REPORTS_PER_INTERVAL) {
                LOG.warn("rejected {} log input from {}: {}", origin, peer, reason);
            }
        }

        @Override
        public void notice(SenderState sender, String message) {
            monitorRecord(sender, LogLevel.INFO, message, List.of());
        }

        @Override
        public void dispatch(List<LogRecord> batch, boolean flowControlled) {
            DefaultLogHub.this.dispatch(batch, flowControlled);
        }

        @Override
        public boolean awaitTcpRoom(long timeoutMillis) throws InterruptedException {
            if (belowMark(3)) {
                return true;
            }
            synchronized (room) {
                tcpWaiting = true;
                try {
                    if (!belowMark(2)) {
                        room.wait(timeoutMillis);
                    }
                } finally {
                    tcpWaiting = false;
                }
            }
            return belowMark(2);
        }
    }

    private volatile boolean runnersClosed;

    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        synchronized (room) {
            room.notifyAll();
        }
        if (tcp != null) {
            tcp.close();
        }
        if (udp != null) {
            udp.close();
        }
        reporter.shutdownNow();
        try {
            reporter.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        reportSafely();
        for (SinkRunner r : runners) {
            r.close(30_000);
        }
        runnersClosed = true;
        synchronized (registry) {
            for (Follower f : globalFollowers) {
                f.close();
            }
        }
        for (SenderState s : senders.values()) {
            s.closeFollowers();
        }
    }
}
