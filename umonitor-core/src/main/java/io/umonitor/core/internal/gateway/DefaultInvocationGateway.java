package io.umonitor.core.internal.gateway;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.umonitor.api.ExitInfo;
import io.umonitor.api.LifecycleEvent;
import io.umonitor.api.LifecycleListener;
import io.umonitor.api.LogLevel;
import io.umonitor.api.UnikernelHandle;
import io.umonitor.api.UnikernelState;
import io.umonitor.api.ProvisionedNetwork;
import io.umonitor.core.gateway.GatewayOptions;
import io.umonitor.core.gateway.InvocationGateway;
import io.umonitor.core.gateway.Invocations;
import io.umonitor.core.internal.RegistrationListener;
import io.umonitor.core.internal.Tokens;
import io.umonitor.core.internal.log.LogHub;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import java.util.function.Supplier;
import org.java_websocket.WebSocket;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The gateway: who may connect (names and per-launch tokens mirrored from the log hub, the viewer token),
 * where it listens (the configured address, plus the host side of running unikernels' taps), and the
 * routing of connections to unikernel {@link Channel}s and {@link LogSubscription}s.
 */
public final class DefaultInvocationGateway
        implements InvocationGateway, LifecycleListener, RegistrationListener, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(DefaultInvocationGateway.class);
    static final String GUEST_PARAMETER = io.umonitor.api.spi.GuestParameters.WS;

    private final GatewayOptions options;
    private final LogHub hub;
    private final String viewerToken;
    private final ObjectMapper json = new ObjectMapper();
    private final ScheduledThreadPoolExecutor scheduler;
    private final Map<String, String> tokens = new ConcurrentHashMap<>();
    private final Map<String, Channel> channels = new ConcurrentHashMap<>();
    private final Map<InetAddress, GatewayServer> tapServers = new ConcurrentHashMap<>();
    private final AtomicLong slowSubscriberEvents = new AtomicLong();
    private final java.util.Set<LogSubscription> viewers = ConcurrentHashMap.newKeySet();
    private final AtomicBoolean closed = new AtomicBoolean();
    private final GatewayServer server;
    private volatile Function<String, Optional<UnikernelHandle>> lookup = name -> Optional.empty();
    private volatile Supplier<List<UnikernelHandle>> unikernels = List::of;
    private WebPage page;

    private DefaultInvocationGateway(GatewayOptions options, LogHub hub) {
        this.options = options;
        this.hub = hub;
        this.viewerToken = options.viewerToken() != null ? options.viewerToken() : Tokens.next();
        this.scheduler = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "umonitor-gateway-timer");
            t.setDaemon(true);
            return t;
        });
        scheduler.setRemoveOnCancelPolicy(true);
        this.server = new GatewayServer(this, options.address(), true);
    }

    /**
     * Starts listening on the configured address and, when enabled, serving the web page.
     *
     * @throws io.umonitor.api.ConfigurationException when an address cannot be bound
     */
    public static DefaultInvocationGateway start(GatewayOptions options, LogHub hub) {
        DefaultInvocationGateway gateway = new DefaultInvocationGateway(options, hub);
        try {
            gateway.server.startAndAwait();
            if (options.webPageAddress() != null) {
                gateway.page = WebPage.start(gateway, options.webPageAddress());
            }
        } catch (RuntimeException e) {
            gateway.close();
            throw e;
        }
        LOG.info("invocation gateway listening on {}{}", gateway.invokeUri(),
                gateway.page != null ? "; web page " + gateway.page.baseUri() : "");
        return gateway;
    }

    /** Where the web page reads a unikernel's resource figures (the monitor's stats); none until attached. */
    private volatile Function<String, Optional<io.umonitor.api.UnikernelStats>> statsSource = name -> Optional.empty();

    public void attachStats(Function<String, Optional<io.umonitor.api.UnikernelStats>> source) {
        this.statsSource = source;
    }

    Optional<io.umonitor.api.UnikernelStats> stats(String name) {
        try {
            return statsSource.apply(name);
        } catch (RuntimeException e) {
            return Optional.empty(); // gone from the monitor since the list was read
        }
    }

    /** Where the gateway learns about unikernels: their handles, for states and exit reports. */
    public void attach(Supplier<List<UnikernelHandle>> all, Function<String, Optional<UnikernelHandle>> find) {
        this.unikernels = all;
        this.lookup = find;
    }

    ScheduledExecutorService scheduler() {
        return scheduler;
    }

    Duration disconnectGrace() {
        return options.disconnectGrace();
    }

    LogHub hub() {
        return hub;
    }

    List<UnikernelHandle> unikernelHandles() {
        return unikernels.get();
    }

    void countSlowSubscriber() {
        slowSubscriberEvents.incrementAndGet();
    }

    // --- registration: the same decisions the log hub follows

    @Override
    public void senderRegistered(String name, String token) {
        tokens.put(name, token);
    }

    @Override
    public void senderUnregistered(String name) {
        tokens.remove(name);
    }

    @Override
    public void listeningOn(InetAddress hostAddress, String networkDevice) {
        if (closed.get() || hostAddress.equals(server.getAddress().getAddress())) {
            return;
        }
        tapServers.computeIfAbsent(hostAddress, address -> {
            GatewayServer tapServer = new GatewayServer(this, new InetSocketAddress(address, 0), false);
            try {
                tapServer.startAndAwait();
                return tapServer;
            } catch (RuntimeException e) {
                LOG.warn("invocation gateway cannot listen on {}: {}; guests behind it cannot be invoked", address,
                        e.getMessage());
                return null;
            }
        });
    }

    @Override
    public void stoppedListeningOn(InetAddress hostAddress) {
        GatewayServer tapServer = tapServers.remove(hostAddress);
        if (tapServer != null) {
            stopQuietly(tapServer);
        }
    }

    /** {@code UMONITOR_WS} for a launch: the tap's host side when the guest has a tap, else the configured address. */
    public Map<String, String> guestParameters(String unikernel, List<ProvisionedNetwork> networks) {
        for (ProvisionedNetwork net : networks) {
            if (net.hostAddress() == null) {
                continue;
            }
            GatewayServer tapServer = tapServers.get(net.hostAddress());
            if (tapServer != null) {
                return Map.of(GUEST_PARAMETER, uri(net.hostAddress(), tapServer.getPort(), GatewayRequest.INVOKE_PATH)
                        .toString());
            }
        }
        return Map.of(GUEST_PARAMETER, invokeUri().toString());
    }

    // --- connections

    /** Null when the request may connect, else why not (never naming the expected token). */
    String checkHandshake(GatewayRequest request, boolean viewersAllowed) {
        if (closed.get()) {
            return "the monitor is closing";
        }
        switch (request.path()) {
            case GatewayRequest.INVOKE_PATH -> {
                String name = request.name();
                String shown = Channel.abbreviate(name);
                if (name.isEmpty()) {
                    return "no unikernel name: send ?name=NAME&token=TOKEN or the X-Umonitor-Name and X-Umonitor-Token headers";
                }
                String token = request.token();
                if (token.isEmpty()) {
                    return "unikernel '" + shown + "' sent no token: send its UMONITOR_TOKEN as ?token= or X-Umonitor-Token";
                }
                String expected = tokens.get(name);
                if (expected == null) {
                    // Compare anyway, so the answer takes as long for unknown names as for known ones.
                    sameToken(token, viewerToken);
                    return "unikernel '" + shown + "' is not running under this monitor";
                }
                if (!sameToken(token, expected)) {
                    return "unikernel '" + shown + "' sent a wrong token";
                }
                return null;
            }
            case GatewayRequest.LOGS_PATH -> {
                if (!viewersAllowed) {
                    return "log viewers connect on the gateway's main address only";
                }
                if (!sameToken(request.first("token"), viewerToken)) {
                    return "log viewer sent a wrong or no viewer token";
                }
                try {
                    String level = request.first("level");
                    if (!level.isEmpty()) {
                        LogLevel.parse(level);
                    }
                } catch (RuntimeException e) {
                    return Channel.abbreviate(e.getMessage());
                }
                return null;
            }
            default -> {
                return "unknown path '" + Channel.abbreviate(request.path()) + "': use /invoke or /logs";
            }
        }
    }

    static boolean sameToken(String given, String expected) {
        return MessageDigest.isEqual(given.getBytes(StandardCharsets.UTF_8), expected.getBytes(StandardCharsets.UTF_8));
    }

    void opened(WebSocket conn, GatewayRequest request) {
        if (request.path().equals(GatewayRequest.LOGS_PATH)) {
            LogLevel level = request.first("level").isEmpty() ? LogLevel.TRACE : LogLevel.parse(request.first("level"));
            LogSubscription subscription = new LogSubscription(this, conn, request.all("name"), level);
            conn.setAttachment(subscription);
            viewers.add(subscription);
            subscription.start();
            return;
        }
        Channel channel = channel(request.name());
        conn.setAttachment(channel);
        channel.attached(conn);
        LOG.debug("unikernel '{}' connected to the invocation gateway from {}", request.name(),
                conn.getRemoteSocketAddress());
    }

    void closed(WebSocket conn, int code, String reason) {
        Object attachment = conn.getAttachment();
        if (attachment instanceof Channel channel) {
            channel.detached(conn, code, reason);
        } else if (attachment instanceof LogSubscription subscription) {
            viewers.remove(subscription);
            subscription.close();
        }
    }

    void message(WebSocket conn, String text) {
        if (conn.getAttachment() instanceof Channel channel) {
            channel.reply(text);
        }
    }

    private Channel channel(String name) {
        return channels.computeIfAbsent(name, n -> new Channel(n, this, json));
    }

    // --- lifecycle

    @Override
    public void onEvent(LifecycleEvent event) {
        if (event.state().isTerminal() && event.exit() != null) {
            Channel channel = channels.get(event.unikernel());
            if (channel != null) {
                channel.exited(event.exit());
            }
        }
    }

    /** The exit of the unikernel's latest run, when that run has ended. */
    ExitInfo exitIfEnded(String name) {
        Optional<UnikernelHandle> handle = lookup.apply(name);
        if (handle.isEmpty()) {
            return null;
        }
        UnikernelState state = handle.get().state();
        return state.isTerminal() ? handle.get().exitInfo().orElse(null) : null;
    }

    String notConnectedHint(String name) {
        Optional<UnikernelHandle> handle = lookup.apply(name);
        if (handle.isEmpty()) {
            return "no unikernel of that name was launched by this monitor";
        }
        return "it is " + handle.get().state() + "; it must dial " + GUEST_PARAMETER + " (" + invokeUri()
                + ") with its name and UMONITOR_TOKEN: look at its log";
    }

    static String describe(ExitInfo exit) {
        return exit == null ? "its exit is not known yet" : exit.summaryWithConsole();
    }

    // --- the public view

    @Override
    public InetSocketAddress address() {
        return new InetSocketAddress(server.getAddress().getAddress(), server.getPort());
    }

    @Override
    public URI invokeUri() {
        return uri(dialable(server.getAddress().getAddress()), server.getPort(), GatewayRequest.INVOKE_PATH);
    }

    @Override
    public Collection<InetSocketAddress> addresses() {
        List<InetSocketAddress> all = new ArrayList<>();
        all.add(address());
        tapServers.forEach((a, s) -> all.add(new InetSocketAddress(a, s.getPort())));
        return all;
    }

    @Override
    public String viewerToken() {
        return viewerToken;
    }

    @Override
    public URI logStreamUri() {
        return URI.create(uri(dialable(server.getAddress().getAddress()), server.getPort(), GatewayRequest.LOGS_PATH)
                + "?token=" + viewerToken);
    }

    @Override
    public Optional<URI> webPage() {
        return page == null ? Optional.empty() : Optional.of(URI.create(page.baseUri() + "?token=" + viewerToken));
    }

    @Override
    public Invocations invocations(String name) {
        return channel(java.util.Objects.requireNonNull(name, "name"));
    }

    @Override
    public int viewers() {
        return viewers.size();
    }

    @Override
    public long slowSubscriberEvents() {
        return slowSubscriberEvents.get();
    }

    /** Stops listening, fails what is pending, ends the log subscriptions. Idempotent. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        channels.values().forEach(Channel::close);
        stopQuietly(server);
        tapServers.values().forEach(DefaultInvocationGateway::stopQuietly);
        tapServers.clear();
        if (page != null) {
            page.stop();
        }
        scheduler.shutdownNow();
    }

    private static void stopQuietly(GatewayServer s) {
        try {
            s.stop(500);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            LOG.debug("stopping a gateway listener failed", e);
        }
    }

    private static InetAddress dialable(InetAddress address) {
        return address.isAnyLocalAddress() ? InetAddress.getLoopbackAddress() : address;
    }

    static URI uri(InetAddress host, int port, String path) {
        String h = host.getHostAddress();
        if (h.contains(":")) {
            h = "[" + h + "]";
        }
        return URI.create("ws://" + h + ":" + port + path);
    }
}
