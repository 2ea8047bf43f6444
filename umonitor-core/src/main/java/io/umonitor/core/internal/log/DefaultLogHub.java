package io.umonitor.core.internal.log;

import io.umonitor.api.LaunchIdentity;
import io.umonitor.api.ConfigurationException;
import io.umonitor.api.LogFilter;
import io.umonitor.api.LogOrigin;
import io.umonitor.api.LogRecord;
import io.umonitor.api.LogStats;
import io.umonitor.api.Subscription;
import io.umonitor.api.CollectorEndpoint;
import io.umonitor.api.spi.CollectorInput;
import io.umonitor.api.spi.CollectorSender;
import io.umonitor.api.spi.GuestOutput;
import io.umonitor.api.spi.LogSink;
import io.umonitor.core.internal.collect.Ingest;
import io.umonitor.core.internal.collect.TcpCollector;
import io.umonitor.protocol.Hello;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

/**
 * The logging half of the monitor, assembled from parts that each do one job: {@link LogHubSettings}
 * (validated), the {@link SenderRegistry} (who may send, authentication, per-sender state),
 * {@link CollectorEndpoints} (the TCP and UDP collectors and where they listen), {@link ConsoleIngest}
 * (console lines), {@link SinkDispatch} (one thread and bounded queue per sink, backpressure),
 * {@link CounterReports} (counters reported as MONITOR records) and {@link Followers}. {@link HubLimits}
 * bound what a sender or a crowd of connections may hold: one {@link MemoryBudget} shared by histories,
 * sink queues, follower queues and connection buffers, TCP admission, forgetting idle attached senders.
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
    private final LogHubSettings settings;
    private final HubLimits limits;
    private final MemoryBudget budget;
    private final SenderRegistry registry;
    private final SinkDispatch sinks;
    private final CounterReports reports;
    private final ConsoleIngest console;
    private final Followers followers;
    private final CollectorEndpoints collectors;
    private final CollectorsView ingest = new CollectorsView();
    private final AtomicBoolean closed = new AtomicBoolean();

    private DefaultLogHub(LogHubSettings settings, HubLimits limits, List<LogSink> openedSinks) {
        this.settings = settings;
        this.limits = limits;
        this.budget = new MemoryBudget(limits.effectiveMemoryBudget());
        this.registry = new SenderRegistry(settings.maxSenders(), settings.historySize(), settings.senderRateLimit(),
                budget.history, limits.attachedIdleEviction());
        this.sinks = new SinkDispatch(openedSinks, settings.sinkQueueCapacity(), registry, budget,
                settings.reportInterval());
        this.reports = new CounterReports(registry, sinks, settings.reportInterval(), limits.attachedIdleEviction());
        this.console = new ConsoleIngest(sinks, reports);
        this.followers = new Followers(registry, settings.followerQueueCapacity(), budget.followers);
        try {
            this.collectors = new CollectorEndpoints(settings, limits, budget, ingest);
        } catch (RuntimeException e) {
            reports.close();
            sinks.close(1000);
            throw e;
        }
    }

    /**
     * Starts collectors and sink threads. The sinks must already be opened; the hub closes them.
     *
     * @throws ConfigurationException when a collector cannot listen where the settings say
     */
    public static DefaultLogHub start(LogHubSettings settings, List<LogSink> openedSinks) {
        return start(settings, HubLimits.defaults(), openedSinks);
    }

    /** As {@link #start(LogHubSettings, List)}, with non-default {@link HubLimits}. */
    public static DefaultLogHub start(LogHubSettings settings, HubLimits limits, List<LogSink> openedSinks) {
        Objects.requireNonNull(settings, "settings");
        Objects.requireNonNull(limits, "limits");
        return new DefaultLogHub(settings, limits, List.copyOf(openedSinks));
    }

    public LogHubSettings settings() {
        return settings;
    }

    public HubLimits limits() {
        return limits;
    }

    /** The memory budget shared by histories, sink queues, followers and connection buffers. */
    MemoryBudget budget() {
        return budget;
    }

    /** The TCP collector's admission counters (all zero without a TCP collector). */
    public TcpCollector.AdmissionStats admissionStats() {
        return collectors.admissionStats();
    }

    @Override
    public Map<String, Long> counters() {
        return reports.counters(collectors, budget);
    }

    @Override
    public void bindTokenToFirstSession(String name) {
        registry.bindTokenToFirstSession(name);
    }

    @Override
    public void reopenFiles() {
        sinks.reopenFiles();
    }

    /** How collector extensions (syslog) hand records in, the way the TCP and UDP collectors do. */
    public CollectorInput collectorInput() {
        return ingest;
    }

    /** Rejections that could not be attributed to any sender (garbage before a HELLO, unknown names). */
    public long unattributedRejections() {
        return reports.unattributedRejections();
    }

    /** Failures of the sink with this id since the hub started (0 for an unknown id). */
    public long sinkFailures(String sinkId) {
        return sinks.sinkFailures(sinkId);
    }

    @Override
    public void registerSender(String name, String token) {
        registry.register(name, token, LaunchIdentity.NONE);
    }

    @Override
    public void registerSender(String name, String token, LaunchIdentity launch) {
        registry.register(name, token, launch);
    }

    @Override
    public void unregisterSender(String name) {
        registry.unregister(name);
    }

    @Override
    public void acceptUnregisteredSenders(String token) {
        if (token != null && token.isEmpty()) {
            for (InetSocketAddress a : Arrays.asList(settings.tcpAddress(), settings.udpAddress())) {
                if (a != null && !a.getAddress().isLoopbackAddress()) {
                    throw new ConfigurationException("attach mode without a token on " + a.getAddress().getHostAddress()
                            + ":" + a.getPort() + " would store records from anyone who can reach that address: set a "
                            + "token (umonitor listen --token-file FILE or the UMONITOR_TOKEN environment variable; "
                            + "Monitor.builder().acceptAttachedSenders(TOKEN)) or listen on 127.0.0.1");
                }
            }
        }
        registry.acceptUnregistered(token);
    }

    @Override
    public List<CollectorEndpoint> loopbackEndpoints() {
        return collectors.loopbackEndpoints();
    }

    @Override
    public List<CollectorEndpoint> listenOn(InetAddress hostAddress, String networkDevice) {
        return collectors.listenOn(hostAddress, networkDevice);
    }

    @Override
    public void stopListeningOn(InetAddress hostAddress) {
        collectors.stopListeningOn(hostAddress);
    }

    @Override
    public void consoleLine(String name, GuestOutput.Stream stream, String line) {
        consoleText(name, stream, line, false);
    }

    @Override
    public void consoleContinuation(String name, GuestOutput.Stream stream, String piece) {
        consoleText(name, stream, piece, true);
    }

    private void consoleText(String name, GuestOutput.Stream stream, String text, boolean continuation) {
        SenderState s = registry.getOrCreate(name);
        if (s == null || closed.get()) {
            return;
        }
        console.line(s, stream, text, continuation);
    }

    @Override
    public void publish(LogRecord record) {
        SenderState s = registry.getOrCreate(record.unikernel());
        if (s == null || closed.get()) {
            return;
        }
        if (!record.launch().isKnown()) {
            record = record.withLaunch(s.launch());
        }
        s.append(record);
        sinks.dispatch(List.of(record), false);
    }

    @Override
    public List<LogRecord> history(String name, LogFilter filter) {
        SenderState s = registry.get(name);
        return s == null ? List.of() : s.history(filter == null ? LogFilter.ALL : filter);
    }

    @Override
    public Subscription follow(String name, LogFilter filter, Consumer<LogRecord> consumer) {
        return followers.follow(name, filter, consumer);
    }

    @Override
    public LogStats stats(String name) {
        SenderState s = registry.get(name);
        return s == null ? LogStats.ZERO : s.stats();
    }

    @Override
    public List<String> senders() {
        return registry.names();
    }

    /**
     * The collectors' view of the hub: authentication, refusals, dispatch and room for TCP input; the same for
     * the built-in collectors ({@link Ingest}) and collector extensions ({@link CollectorInput}).
     */
    private final class CollectorsView implements Ingest, CollectorInput {
        @Override
        public SenderState authenticate(Hello hello, LogOrigin origin, Object peer) {
            return registry.authenticate(hello, origin, peer, reports);
        }

        @Override
        public SenderState senderNamed(String name, boolean registeredOnly) {
            return registry.named(name, registeredOnly);
        }

        @Override
        public void rejected(SenderState sender, LogOrigin origin, Object peer, String reason) {
            reports.rejected(sender, origin, peer, reason);
        }

        @Override
        public void rejectedUnattributed(LogOrigin origin, Object peer, String reason) {
            reports.rejectedUnattributed(origin, peer, reason);
        }

        @Override
        public CollectorSender sender(String name, boolean launchedOnly) {
            return registry.named(name, launchedOnly);
        }

        @Override
        public void rejected(CollectorSender sender, LogOrigin origin, String peer, String reason) {
            // Only this hub hands out senders, so every one is a SenderState.
            reports.rejected((SenderState) sender, origin, peer, reason);
        }

        @Override
        public void rejectedUnattributed(LogOrigin origin, String peer, String reason) {
            reports.rejectedUnattributed(origin, peer, reason);
        }

        @Override
        public boolean awaitRoom(long timeoutMillis) throws InterruptedException {
            return sinks.awaitTcpRoom(timeoutMillis);
        }

        @Override
        public void notice(SenderState sender, String message) {
            reports.notice(sender, message);
        }

        @Override
        public void dispatch(List<LogRecord> batch, boolean flowControlled) {
            sinks.dispatch(batch, flowControlled);
        }

        @Override
        public boolean awaitTcpRoom(long timeoutMillis) throws InterruptedException {
            return sinks.awaitTcpRoom(timeoutMillis);
        }
    }

    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        sinks.wakeWaiting();
        collectors.close();
        reports.close();
        sinks.close(30_000);
        registry.closeFollowers();
    }
}
