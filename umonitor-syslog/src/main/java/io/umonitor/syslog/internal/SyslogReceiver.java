package io.umonitor.syslog.internal;

import io.umonitor.api.LogOrigin;
import io.umonitor.api.LogRecord;
import io.umonitor.api.ProvisionedNetwork;
import io.umonitor.api.spi.CollectorInput;
import io.umonitor.api.spi.CollectorSender;
import io.umonitor.syslog.SyslogFormatException;
import io.umonitor.syslog.SyslogFrameReader;
import io.umonitor.syslog.SyslogMessage;
import io.umonitor.syslog.SyslogParser;
import io.umonitor.syslog.SyslogRecords;
import java.io.Closeable;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Receives syslog over UDP, TCP (RFC 6587, octet counting or LF framing, detected per frame) and TLS
 * (RFC 5425), on loopback and on the host side of each guest's tap, and hands each message to the hub as a
 * {@link LogOrigin#SYSLOG} record of the unikernel it is attributed to.
 *
 * <p><b>Attribution</b> (syslog carries no token): a message whose source is the guest address of a tap the
 * monitor provisioned belongs to that guest, and one reaching a tap's host address must come from that tap's
 * guest; other messages are attributed by HOSTNAME or APP-NAME only when {@code syslog.attributeByName}
 * allows it (to launched unikernels, or also to new attached senders with {@code syslog.attachUnknown}),
 * else rejected and counted.
 *
 * <p><b>Limits</b>: a message longer than {@code maxMessageLength} is refused before it is buffered; a malformed
 * or oversized message drops its datagram or closes its connection (the records before it are kept); a
 * well-formed message no unikernel can be attributed to is dropped (a relay's connection carries many
 * programs' messages, so it stays open); each counted by reason, never stopping the receiver. One thread per TCP/TLS connection (syslog relays hold few),
 * at most {@code maxConnections}; one thread per UDP socket. TCP input waits for sink room like the binary
 * collector's; UDP input is cut at the sink queues like the binary collector's, counted as dropped.
 */
// Over 500 lines because it is one receiver for three transports that share attribution, limits and counters;
// parsing (SyslogParser), framing (SyslogFrameReader) and record mapping (SyslogRecords) are classes of their own.
public final class SyslogReceiver implements Closeable {
    private static final Logger LOG = LoggerFactory.getLogger(SyslogReceiver.class);
    /** The guest parameter that tells a guest where to send syslog, {@code HOST:PORT} (UDP, and TCP on the same port). */
    public static final String GUEST_PARAMETER = io.umonitor.api.spi.LaunchRequest.SYSLOG_PARAMETER;
    private static final int BATCH = 256;

    public enum NameAttribution { OFF, HOSTNAME, APPNAME }

    /**
     * @param udp where to listen for UDP, or null
     * @param tcp where to listen for TCP, or null
     * @param tls where to listen for TLS, or null
     * @param tlsContext the server's TLS context (when {@code tls} is set)
     * @param tlsClientAuth whether TLS clients must present a certificate the context trusts
     */
    public record Config(InetSocketAddress udp, InetSocketAddress tcp, InetSocketAddress tls, SSLContext tlsContext,
            boolean tlsClientAuth, int maxMessageLength, int maxConnections, NameAttribution byName,
            boolean attachUnknown) {
    }

    /**
     * Counters since start: messages accepted, and rejected by reason (malformed, over the length limit, no
     * unikernel to attribute them to), connections refused over {@code maxConnections}, TLS handshakes that
     * failed (no or an untrusted client certificate, not TLS at all).
     */
    public record Counters(long accepted, long malformed, long tooLong, long unattributed, long connectionsRefused,
            long tlsHandshakesFailed) {
    }

    private final CollectorInput ingest;
    private final Config config;
    private final SyslogParser parser = new SyslogParser();
    private final Map<InetAddress, String> guestNames = new ConcurrentHashMap<>();
    private final Map<InetAddress, InetAddress> tapGuests = new ConcurrentHashMap<>();
    private final List<Endpoint> loopback = new ArrayList<>();
    private final Map<InetAddress, List<Endpoint>> taps = new ConcurrentHashMap<>();
    private final Set<Socket> open = ConcurrentHashMap.newKeySet();
    private final ExecutorService threads;
    private final Semaphore slots;
    private final AtomicBoolean closed = new AtomicBoolean();
    private final AtomicBoolean rpFilterWarned = new AtomicBoolean();
    private final AtomicLong accepted = new AtomicLong();
    private final AtomicLong malformed = new AtomicLong();
    private final AtomicLong tooLong = new AtomicLong();
    private final AtomicLong unattributed = new AtomicLong();
    private final AtomicLong refused = new AtomicLong();
    private final AtomicLong handshakesFailed = new AtomicLong();

    private SyslogReceiver(CollectorInput ingest, Config config) {
        this.ingest = ingest;
        this.config = config;
        this.slots = new Semaphore(config.maxConnections());
        AtomicInteger n = new AtomicInteger();
        this.threads = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "umonitor-syslog-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
    }

    /** Starts listening on the configured addresses. @throws IOException when one cannot be bound */
    public static SyslogReceiver start(CollectorInput ingest, Config config) throws IOException {
        SyslogReceiver receiver = new SyslogReceiver(ingest, config);
        try {
            receiver.loopback.addAll(receiver.bind(config.udp(), config.tcp(), config.tls(), null));
        } catch (IOException | RuntimeException e) {
            receiver.close();
            throw e;
        }
        return receiver;
    }

    private List<Endpoint> bind(InetSocketAddress udp, InetSocketAddress tcp, InetSocketAddress tls, InetAddress tapHost)
            throws IOException {
        List<Endpoint> bound = new ArrayList<>();
        try {
            if (tcp != null) {
                bound.add(new StreamEndpoint(bindServer(tcp, null), false, tapHost));
            }
            if (udp != null) {
                // Same port as TCP when the address allows it, so one HOST:PORT serves both (as 514 does).
                InetSocketAddress wanted = udp;
                if (udp.getPort() == 0 && tcp != null && tcp.getAddress().equals(udp.getAddress())) {
                    wanted = new InetSocketAddress(udp.getAddress(), bound.get(0).port());
                }
                DatagramSocket socket;
                try {
                    socket = bindDatagram(wanted);
                } catch (SocketException e) {
                    if (wanted == udp) {
                        throw e;
                    }
                    socket = bindDatagram(udp);
                }
                bound.add(new DatagramEndpoint(socket, tapHost));
            }
            if (tls != null) {
                bound.add(new StreamEndpoint(bindServer(tls, config.tlsContext()), true, tapHost));
            }
        } catch (IOException | RuntimeException e) {
            bound.forEach(Endpoint::close);
            throw e;
        }
        bound.forEach(Endpoint::start);
        return bound;
    }

    private static DatagramSocket bindDatagram(InetSocketAddress address) throws SocketException {
        DatagramSocket socket = new DatagramSocket(null);
        try {
            socket.setReceiveBufferSize(4 * 1024 * 1024);
            socket.bind(address);
            return socket;
        } catch (SocketException e) {
            socket.close();
            throw e;
        }
    }

    private ServerSocket bindServer(InetSocketAddress address, SSLContext tls) throws IOException {
        ServerSocket server = tls == null ? new ServerSocket() : tls.getServerSocketFactory().createServerSocket();
        try {
            server.setReuseAddress(true);
            server.bind(address, 128);
            if (server instanceof SSLServerSocket ssl && config.tlsClientAuth()) {
                ssl.setNeedClientAuth(true);
            }
            return server;
        } catch (IOException | RuntimeException e) {
            server.close();
            throw e;
        }
    }

    /** Also listens on a tap's host address, on the loopback ports where free. Idempotent per address. */
    public void listenOn(InetAddress hostAddress) {
        if (closed.get() || taps.containsKey(hostAddress)) {
            return;
        }
        try {
            List<Endpoint> bound = bind(at(hostAddress, Transport.UDP), at(hostAddress, Transport.TCP),
                    at(hostAddress, Transport.TLS), hostAddress);
            if (taps.putIfAbsent(hostAddress, bound) != null) {
                bound.forEach(Endpoint::close);
            }
        } catch (IOException | RuntimeException e) {
            LOG.warn("syslog: cannot listen on tap address {}: {}; that guest's syslog is not received",
                    hostAddress.getHostAddress(), e.toString());
        }
    }

    private InetSocketAddress at(InetAddress host, Transport transport) {
        for (Endpoint e : loopback) {
            if (e.transport() == transport) {
                return new InetSocketAddress(host, e.port());
            }
        }
        return null;
    }

    public void stopListeningOn(InetAddress hostAddress) {
        List<Endpoint> bound = taps.remove(hostAddress);
        if (bound != null) {
            bound.forEach(Endpoint::close);
        }
        InetAddress guest = tapGuests.remove(hostAddress);
        if (guest != null) {
            guestNames.remove(guest);
        }
    }

    /**
     * Learns a launch's guest addresses (for attribution) and returns where it should send syslog:
     * {@code UMONITOR_SYSLOG=HOST:PORT}, the host side of its first tap, else the loopback address.
     */
    public Map<String, String> guestParameters(String unikernel, List<ProvisionedNetwork> networks) {
        String advertised = null;
        for (ProvisionedNetwork net : networks) {
            if (net.networkNamespace().isPresent()) {
                continue;
            }
            strictReversePath(net.hostInterface());
            guestNames.put(net.guestAddress(), unikernel);
            tapGuests.put(net.hostAddress(), net.guestAddress());
            List<Endpoint> bound = taps.get(net.hostAddress());
            if (advertised == null && bound != null && !bound.isEmpty()) {
                advertised = hostAndPort(net.hostAddress(), advertisedPort(bound));
            }
        }
        if (advertised == null && !loopback.isEmpty()) {
            advertised = hostAndPort(loopback.get(0).address().getAddress(), advertisedPort(loopback));
        }
        return advertised == null ? Map.of() : Map.of(GUEST_PARAMETER, advertised);
    }

    /**
     * Makes the kernel drop packets arriving on {@code tap} whose source is not reachable through it (strict
     * reverse-path filtering, rp_filter=1), so a guest cannot forge another guest's address, even towards that
     * guest's host address. Without it (not root), attribution by address holds only against guests that do
     * not forge their source; said once in the log.
     */
    private void strictReversePath(String tap) {
        if (!tap.matches("[A-Za-z0-9_.-]{1,15}")) {
            return;
        }
        java.nio.file.Path setting = java.nio.file.Path.of("/proc/sys/net/ipv4/conf", tap, "rp_filter");
        try {
            if (!java.nio.file.Files.readString(setting).trim().equals("1")) {
                java.nio.file.Files.writeString(setting, "1");
            }
        } catch (IOException | RuntimeException e) {
            if (!rpFilterWarned.getAndSet(true)) {
                LOG.warn("syslog: cannot turn on reverse-path filtering for tap {} ({}): a guest could send syslog "
                        + "with another guest's source address; run the monitor with CAP_NET_ADMIN", tap, e.toString());
            }
        }
    }

    /** Forgets the addresses of a unikernel that stopped, so a later guest on them is not taken for it. */
    public void forget(String unikernel) {
        guestNames.values().removeIf(unikernel::equals);
    }

    private static int advertisedPort(List<Endpoint> endpoints) {
        for (Transport t : new Transport[] {Transport.UDP, Transport.TCP, Transport.TLS}) {
            for (Endpoint e : endpoints) {
                if (e.transport() == t) {
                    return e.port();
                }
            }
        }
        return 0;
    }

    private static String hostAndPort(InetAddress host, int port) {
        String h = host.getHostAddress();
        return (h.contains(":") ? "[" + h + "]" : h) + ":" + port;
    }

    /** Where the receiver listens on loopback (or the configured addresses), by transport. */
    public Map<String, InetSocketAddress> addresses() {
        Map<String, InetSocketAddress> all = new java.util.LinkedHashMap<>();
        for (Endpoint e : loopback) {
            all.put(e.transport().name().toLowerCase(java.util.Locale.ROOT), e.address());
        }
        return all;
    }

    public Counters counters() {
        return new Counters(accepted.get(), malformed.get(), tooLong.get(), unattributed.get(), refused.get(),
                handshakesFailed.get());
    }

    // ---- one message ----

    /**
     * Parses, attributes and appends one message; returns its record, or null when it is dropped but its
     * connection may go on (no unikernel to attribute it to, over the rate limit: counted and reported; a relay
     * such as rsyslog forwards messages of many programs over one connection).
     *
     * @throws SyslogFormatException after counting and reporting a malformed message (its connection is closed)
     */
    private LogRecord take(byte[] b, int off, int len, InetAddress peer, InetAddress tapHost, String transport) {
        String byAddress = guestNames.get(peer);
        CollectorSender sender = byAddress == null ? null : ingest.sender(byAddress, true);
        if (tapHost != null) {
            InetAddress guest = tapGuests.get(tapHost);
            if (guest == null || !guest.equals(peer)) {
                // Another guest (or a forged source) on some tap: never attributed to the tap's own guest.
                unattributed.incrementAndGet();
                ingest.rejectedUnattributed(LogOrigin.SYSLOG, transport + " " + peer.getHostAddress(),
                        "syslog message reached tap address " + tapHost.getHostAddress() + " from "
                                + peer.getHostAddress() + ", which is not that tap's guest address");
                return null;
            }
        }
        while (len > 0 && (b[off + len - 1] == '\n' || b[off + len - 1] == '\r' || b[off + len - 1] == 0)) {
            len--; // a line end inside an octet-counted frame (rsyslog's RFC 5424 templates end with one) is no text
        }
        SyslogMessage message;
        try {
            message = parser.parse(b, off, len);
        } catch (SyslogFormatException e) {
            malformed.incrementAndGet();
            reject(sender, peer, transport, e.getMessage() + (transport.equals("udp") ? "" : "; connection closed"));
            throw e;
        }
        if (sender == null && byAddress == null && config.byName() != NameAttribution.OFF) {
            String name = config.byName() == NameAttribution.HOSTNAME ? message.hostname() : message.appName();
            if (name != null) {
                sender = ingest.sender(name, !config.attachUnknown());
            }
        }
        if (sender == null) {
            unattributed.incrementAndGet();
            ingest.rejectedUnattributed(LogOrigin.SYSLOG, transport + " " + peer.getHostAddress(),
                    byAddress != null ? "syslog message from the address of '" + byAddress + "', which is not running"
                            : "syslog message from " + peer.getHostAddress() + " belongs to no unikernel: it is no "
                            + "tap guest's address, and " + (config.byName() == NameAttribution.OFF
                                    ? "attribution by name is off (syslog.attributeByName)"
                                    : "its " + config.byName().name() + " names no "
                                            + (config.attachUnknown() ? "valid sender" : "launched unikernel")));
            return null;
        }
        // log.senderRateLimit, as for the binary protocol: UDP over it is dropped and counted, a TCP or TLS
        // connection is paused (its thread waits, the sender's window fills).
        if (transport.equals("udp")) {
            if (!sender.tryAdmit()) {
                sender.received(1);
                sender.dropped(1);
                return null;
            }
        } else {
            long waitNanos = sender.admitDelayNanos();
            if (waitNanos > 0) {
                try {
                    java.util.concurrent.TimeUnit.NANOSECONDS.sleep(waitNanos);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }
        LogRecord record = SyslogRecords.toRecord(sender.name(), message, Instant.now()).withLaunch(sender.launch());
        sender.received(1);
        sender.append(record);
        accepted.incrementAndGet();
        return record;
    }

    private void reject(CollectorSender sender, InetAddress peer, String transport, String reason) {
        String from = transport + " " + peer.getHostAddress();
        if (sender != null) {
            ingest.rejected(sender, LogOrigin.SYSLOG, from, reason);
        } else {
            ingest.rejectedUnattributed(LogOrigin.SYSLOG, from, reason);
        }
    }

    // ---- endpoints ----

    private enum Transport { UDP, TCP, TLS }

    private interface Endpoint {
        Transport transport();

        InetSocketAddress address();

        default int port() {
            return address().getPort();
        }

        void start();

        void close();
    }

    private final class DatagramEndpoint implements Endpoint, Runnable {
        private final DatagramSocket socket;
        private final InetAddress tapHost;

        DatagramEndpoint(DatagramSocket socket, InetAddress tapHost) {
            this.socket = socket;
            this.tapHost = tapHost;
        }

        @Override
        public Transport transport() {
            return Transport.UDP;
        }

        @Override
        public InetSocketAddress address() {
            return (InetSocketAddress) socket.getLocalSocketAddress();
        }

        @Override
        public void start() {
            threads.execute(this);
        }

        @Override
        public void run() {
            byte[] buffer = new byte[config.maxMessageLength() + 1];
            DatagramPacket packet = new DatagramPacket(buffer, buffer.length);
            while (!closed.get() && !socket.isClosed()) {
                try {
                    packet.setLength(buffer.length);
                    socket.receive(packet);
                } catch (IOException e) {
                    if (!socket.isClosed()) {
                        LOG.warn("syslog UDP receive on {} failed; continuing", address(), e);
                    }
                    continue;
                }
                try {
                    int len = packet.getLength();
                    InetAddress peer = packet.getAddress();
                    if (len > config.maxMessageLength()) {
                        tooLong.incrementAndGet();
                        String byAddress = guestNames.get(peer);
                        reject(byAddress == null ? null : ingest.sender(byAddress, true), peer, "udp",
                                "syslog datagram over the limit of " + config.maxMessageLength()
                                        + " octets (syslog.maxMessageLength) dropped");
                        continue;
                    }
                    LogRecord record = take(buffer, 0, len, peer, tapHost, "udp");
                    if (record != null) {
                        ingest.dispatch(List.of(record), false);
                    }
                } catch (SyslogFormatException e) {
                    // counted and reported by take; the next datagram is another message
                } catch (RuntimeException e) {
                    LOG.warn("syslog: handling a datagram failed; continuing", e);
                }
            }
        }

        @Override
        public void close() {
            socket.close();
        }
    }

    private final class StreamEndpoint implements Endpoint, Runnable {
        private final ServerSocket server;
        private final boolean tls;
        private final InetAddress tapHost;

        StreamEndpoint(ServerSocket server, boolean tls, InetAddress tapHost) {
            this.server = server;
            this.tls = tls;
            this.tapHost = tapHost;
        }

        @Override
        public Transport transport() {
            return tls ? Transport.TLS : Transport.TCP;
        }

        @Override
        public InetSocketAddress address() {
            return (InetSocketAddress) server.getLocalSocketAddress();
        }

        @Override
        public void start() {
            threads.execute(this);
        }

        @Override
        public void run() {
            while (!closed.get() && !server.isClosed()) {
                Socket socket;
                try {
                    socket = server.accept();
                } catch (IOException e) {
                    if (!server.isClosed()) {
                        LOG.warn("syslog: accept on {} failed; continuing", address(), e);
                    }
                    continue;
                }
                if (!slots.tryAcquire()) {
                    refused.incrementAndGet();
                    ingest.rejectedUnattributed(LogOrigin.SYSLOG, socket.getInetAddress().getHostAddress(),
                            "syslog connection refused: " + config.maxConnections()
                                    + " connections are open (syslog.maxConnections)");
                    closeQuietly(socket);
                    continue;
                }
                open.add(socket);
                try {
                    threads.execute(() -> serve(socket, tls, tapHost));
                } catch (RuntimeException e) {
                    open.remove(socket);
                    slots.release();
                    closeQuietly(socket);
                }
            }
        }

        @Override
        public void close() {
            try {
                server.close();
            } catch (IOException e) {
                LOG.debug("closing syslog server socket", e);
            }
        }
    }

    private void serve(Socket socket, boolean tls, InetAddress tapHost) {
        InetAddress peer = socket.getInetAddress();
        String transport = tls ? "tls" : "tcp";
        List<LogRecord> batch = new ArrayList<>(BATCH);
        try {
            if (tls) {
                socket.setSoTimeout(10_000);
                try {
                    ((SSLSocket) socket).startHandshake();
                } catch (IOException e) {
                    handshakesFailed.incrementAndGet();
                    String byAddress = guestNames.get(peer);
                    reject(byAddress == null ? null : ingest.sender(byAddress, true), peer, transport,
                            "TLS handshake failed: " + e.getMessage());
                    return;
                }
                socket.setSoTimeout(0);
            }
            SyslogFrameReader reader = new SyslogFrameReader(socket.getInputStream(), config.maxMessageLength());
            while (!closed.get()) {
                byte[] message;
                try {
                    message = reader.next();
                } catch (SyslogFormatException e) {
                    flush(batch);
                    (e.isTooLong() ? tooLong : malformed).incrementAndGet();
                    String byAddress = guestNames.get(peer);
                    reject(byAddress == null ? null : ingest.sender(byAddress, true), peer, transport,
                            e.getMessage() + "; connection closed");
                    return;
                }
                if (message == null) {
                    break;
                }
                LogRecord record;
                try {
                    record = take(message, 0, message.length, peer, tapHost, transport);
                } catch (SyslogFormatException e) {
                    flush(batch);
                    return; // counted and reported by take; the connection is closed
                }
                if (record != null) {
                    batch.add(record);
                }
                if (batch.size() >= BATCH || !reader.hasBufferedInput()) {
                    flush(batch);
                }
            }
            flush(batch);
        } catch (IOException e) {
            flush(batch);
            if (!closed.get()) {
                LOG.debug("syslog {} connection from {} ended: {}", transport, peer, e.toString());
            }
        } catch (RuntimeException e) {
            LOG.warn("syslog {} connection from {} failed; closed", transport, peer, e);
        } finally {
            open.remove(socket);
            slots.release();
            closeQuietly(socket);
        }
    }

    private void flush(List<LogRecord> batch) {
        if (batch.isEmpty()) {
            return;
        }
        try {
            while (!ingest.awaitRoom(100)) {
                if (closed.get()) {
                    break; // the hub drains on close; these still go to the sinks below
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        ingest.dispatch(List.copyOf(batch), true);
        batch.clear();
    }

    private static void closeQuietly(Socket socket) {
        try {
            socket.close();
        } catch (IOException e) {
            LOG.debug("closing syslog connection", e);
        }
    }

    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        loopback.forEach(Endpoint::close);
        taps.values().forEach(l -> l.forEach(Endpoint::close));
        taps.clear();
        for (Socket s : open.toArray(Socket[]::new)) {
            closeQuietly(s);
        }
        threads.shutdown();
        try {
            if (!threads.awaitTermination(5, java.util.concurrent.TimeUnit.SECONDS)) {
                LOG.warn("syslog receiver threads did not end within 5 s: {}", Arrays.toString(open.toArray()));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
