package io.umonitor.core.internal.collect;

import io.umonitor.api.LogOrigin;
import io.umonitor.api.LogRecord;
import io.umonitor.api.ProtocolException;
import io.umonitor.api.RejectReason;
import io.umonitor.core.internal.log.SenderState;
import io.umonitor.core.internal.log.Sequences;
import io.umonitor.protocol.Frame;
import io.umonitor.protocol.Goodbye;
import io.umonitor.protocol.Hello;
import io.umonitor.protocol.RecordFrame;
import io.umonitor.protocol.TcpStreamDecoder;
import io.umonitor.protocol.UnexpectedFrameException;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The TCP collector: one selector thread serves every listening address and every connection.
 *
 * <p>Every connection is read into one read buffer the collector thread shares (64 KiB plus the maximum frame
 * length), so a busy sender is read in large pieces however many connections there are; what a connection keeps
 * between reads is only the unfinished frame at the end of its last read. Each connection holds an allowance in
 * the connection buffers' share of the memory budget (4 KiB, unconditionally: the slot count bounds it) that
 * covers what it may keep; a read larger than the allowance first reserves the largest unfinished frame it could
 * leave behind, and without room in the share the connection reads only what its allowance covers, and waits
 * when a frame needs more. Every selected connection gets one read per round, which shares the collector
 * fairly between senders. Records
 * decoded in a round are appended to their senders' histories at once and handed to the sinks as
 * one batch. When the sinks fall behind, the collector stops reading altogether: the senders' TCP
 * windows fill and they wait, so nothing is dropped. A sender over its rate limit has its own
 * connection paused the same way.
 *
 * <p>Connection slots are shared as {@link Admission} describes: a connection must send a valid HELLO within
 * the HELLO deadline, silent connections are evicted oldest first when the pending share is full, each peer
 * address holds a bounded number of pending or attached connections, and a share of the slots is kept for
 * guests this monitor launched. Every refusal and eviction is counted ({@link #admissionStats()}).
 */
// Over 500 lines because one selector thread owns every connection's state: reading, buffer allowances,
// back-pressure, rate pauses and admission (deadlines, evictions, per-peer caps) all change the same
// Connection objects on that thread without locks. Decoding (TcpStreamDecoder), the admission rules'
// numbers (Admission) and per-sender state (SenderState) already live in classes of their own.
public final class TcpCollector implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(TcpCollector.class);
    /**
     * Records a round collects before it hands them to the sinks mid-round. Without it one round over
     * thousands of busy connections (one read of up to 64 KiB each) could queue hundreds of thousands of
     * records past the sink queue's bound.
     */
    public static final int MAX_ROUND_RECORDS = 4096;
    /** Each connection's allowance in the budget for what it keeps between reads (an unfinished frame). */
    private static final int INITIAL_BUFFER = 4 * 1024;
    /** The shared read buffer holds this much beyond the largest unfinished frame a connection may carry. */
    private static final int READ_ROOM = 64 * 1024;
    private static final int FRAME_OVERHEAD = 12;

    private final Ingest ingest;
    private final int maxFrameLength;
    private final int maxConnections;
    private final Admission admission;
    private final io.umonitor.core.internal.log.MemoryBudget.Share bufferBudget;
    /** Bytes read into one round before it is handed over (bounds the decoded records a round holds). */
    private final long roundByteLimit;
    private long roundBytes;
    private volatile long failures;
    private volatile boolean broken;
    private final long helloTimeoutNanos;
    private final long idleTimeoutNanos;
    /** Connections that have not sent a valid HELLO yet, oldest first. */
    private final LinkedHashSet<Connection> pending = new LinkedHashSet<>();
    /** Pending and attached connections per peer address (launched guests' connections are not counted). */
    private final Map<InetAddress, int[]> perPeer = new HashMap<>();
    private int attachedCount;
    private int launchedCount;
    private long nextIdleScanNanos;
    private final AtomicLong helloTimeouts = new AtomicLong();
    private final AtomicLong idleTimeouts = new AtomicLong();
    private final AtomicLong pendingEvicted = new AtomicLong();
    private final AtomicLong refusedPerPeer = new AtomicLong();
    private final AtomicLong refusedNoSlot = new AtomicLong();
    private final AtomicLong refusedAttached = new AtomicLong();
    private volatile int[] gauges = new int[3];
    private final Selector selector;
    private final Thread thread;
    private final SelectorTasks tasks;
    private final Map<InetSocketAddress, ServerSocketChannel> listeners = new ConcurrentHashMap<>();
    private final Set<Connection> connections = new HashSet<>();
    private final PriorityQueue<Connection> throttled =
            new PriorityQueue<>((a, b) -> Long.compare(a.resumeAtNanos, b.resumeAtNanos));
    private volatile boolean closing;
    private ArrayList<LogRecord> round = new ArrayList<>(1024);
    private Instant roundTime;
    /** The one read buffer of the collector thread; a connection's unfinished frame is copied out after each read. */
    private final ByteBuffer shared;

    private enum Kind { PENDING, LAUNCHED, ATTACHED }

    private static final byte[] NO_BYTES = new byte[0];

    private static final class Connection {
        final SocketChannel channel;
        final String peer;
        InetAddress peerAddress;
        Kind kind = Kind.PENDING;
        long acceptedNanos;
        long lastActiveNanos;
        final TcpStreamDecoder decoder;
        /** The unfinished frame the last read ended in: carry[0..carryLength). */
        byte[] carry = NO_BYTES;
        int carryLength;
        /** Bytes this connection holds in the connection buffers' share; at least carryLength. */
        int allowance;
        SelectionKey key;
        SenderState sender;
        /** The run the sender's HELLO authenticated as: its records carry it even after a restart re-registers. */
        io.umonitor.api.LaunchIdentity launch;
        Sequences sequences;
        long resumeAtNanos;

        Connection(SocketChannel channel, String peer, TcpStreamDecoder decoder, int allowance) {
            this.channel = channel;
            this.peer = peer;
            this.decoder = decoder;
            this.allowance = allowance;
        }
    }

    /**
     * Counters of the admission control, for {@code ps} and reports.
     *
     * @param helloTimeouts connections closed for not sending a valid HELLO in time
     * @param idleTimeouts authenticated connections closed after the idle timeout
     * @param pendingEvicted connections without a HELLO closed to admit newer ones
     * @param refusedPerPeer connections refused because their peer address held too many
     * @param refusedNoSlot connections refused because every slot held an authenticated connection
     * @param refusedAttached attached senders refused because the attached share was full
     * @param pending open connections without a HELLO yet
     * @param launched open connections of launched guests
     * @param attached open connections of attached senders
     */
    public record AdmissionStats(long helloTimeouts, long idleTimeouts, long pendingEvicted, long refusedPerPeer,
            long refusedNoSlot, long refusedAttached, int pending, int launched, int attached) {

        /** Every connection closed or refused by admission control. */
        public long refusals() {
            return helloTimeouts + idleTimeouts + pendingEvicted + refusedPerPeer + refusedNoSlot + refusedAttached;
        }
    }

    public TcpCollector(Ingest ingest, int maxFrameLength, int maxConnections) {
        this(ingest, maxFrameLength, maxConnections,
                new Admission(java.time.Duration.ofSeconds(2), java.time.Duration.ZERO, 1024),
                new io.umonitor.core.internal.log.MemoryBudget(Long.MAX_VALUE / 4).connections);
    }

    /**
     * @param bufferBudget the connection buffers' share of the memory budget: what connections keep between reads
     *     stays within it (a connection whose next frame needs more waits until others give some back)
     */
    public TcpCollector(Ingest ingest, int maxFrameLength, int maxConnections, Admission admission,
            io.umonitor.core.internal.log.MemoryBudget.Share bufferBudget) {
        this.bufferBudget = bufferBudget;
        this.shared = ByteBuffer.allocate(maxFrameLength + FRAME_OVERHEAD + READ_ROOM);
        bufferBudget.acquire(shared.capacity()); // one per collector
        this.roundByteLimit = Math.max(1L << 20, Math.min(16L << 20, bufferBudget.limit() / 2));
        this.ingest = ingest;
        this.maxFrameLength = maxFrameLength;
        this.maxConnections = maxConnections;
        this.admission = admission;
        this.helloTimeoutNanos = admission.helloTimeout().toNanos();
        this.idleTimeoutNanos = admission.idleTimeout().toNanos();
        this.tasks = SelectorTasks.open("TCP log collector");
        this.selector = tasks.selector();
        this.thread = SelectorTasks.startThread(this::run, "umonitor-collect-tcp");
    }

    /** Binds and starts accepting on {@code address}; returns the bound address (port 0 resolved). */
    public InetSocketAddress listen(InetSocketAddress address) throws IOException {
        return tasks.listen(ServerSocketChannel.open(), server -> {
            server.setOption(StandardSocketOptions.SO_REUSEADDR, true);
            server.bind(address, 1024);
        }, SelectionKey.OP_ACCEPT, listeners);
    }

    /** Stops accepting on every listening address with this host address; connections stay. */
    public void stopListening(InetAddress address) {
        tasks.stopListening(listeners, address);
    }

    private void run() {
        try {
            int failuresInARow = 0;
            while (!closing) {
                try {
                    tasks.runPending();
                    long timeoutMillis = Math.min(resumeThrottled(), enforceDeadlines());
                    if (!ingest.awaitTcpRoom(100)) {
                        continue;
                    }
                    roundTime = null;
                    selector.select(this::handle, timeoutMillis);
                    dispatchRound();
                    failuresInARow = 0;
                } catch (RuntimeException | Error e) {
                    // handle() already closes the one connection a failure concerns; this is for the rest (a
                    // short OutOfMemoryError elsewhere). Only a failure that repeats round after round stops it.
                    failures++;
                    if (++failuresInARow >= 100) {
                        throw e;
                    }
                    LOG.error("a round of the TCP log collector failed ({} in a row); it carries on", failuresInARow, e);
                    round = new ArrayList<>(1024);
                    roundBytes = 0;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (IOException | RuntimeException | Error e) {
            broken = true;
            LOG.error("the TCP log collector failed round after round; TCP log collection has stopped and this "
                    + "monitor is broken", e);
        } finally {
            tasks.runPending();
            drainAndClose();
        }
    }

    private void handle(SelectionKey key) {
        if (!key.isValid()) {
            return;
        }
        if (key.isAcceptable()) {
            accept((ServerSocketChannel) key.attachment());
        } else if (key.isReadable()) {
            Connection c = (Connection) key.attachment();
            try {
                read(c);
            } catch (RuntimeException | Error e) {
                // Whatever failed on this connection's input (even an OutOfMemoryError) costs this connection only.
                failures++;
                LOG.error("reading TCP log connection {} failed; it is closed, the collector carries on", c.peer, e);
                try {
                    reject(c, RejectReason.OTHER, "the collector failed on this connection's input: " + e);
                } catch (RuntimeException | Error ignored) {
                    // closing it is what matters
                }
                close(c);
            }
            if (round.size() >= MAX_ROUND_RECORDS || roundBytes >= roundByteLimit) {
                // Many busy connections: hand over what this round has so far and wait for room before
                // reading the others, so the sink queues stay near their bound however many connections
                // there are. Every ready connection still gets its one read this round.
                dispatchRound();
                awaitRoomWithinRound();
            }
        }
    }

    private void awaitRoomWithinRound() {
        try {
            while (!closing && !ingest.awaitTcpRoom(100)) {
                // The sinks are still draining; listener changes must not wait for them.
                tasks.runPendingWithinSelect();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            closing = true;
        }
        roundTime = null;
    }

    private void dispatchRound() {
        roundBytes = 0;
        if (!round.isEmpty()) {
            ArrayList<LogRecord> batch = round;
            // Sized for a round like this one: a fixed 1,024 slots cost 4 KiB of garbage per round, which at
            // 100k records/s in rounds of ten was most of what the collector allocated.
            round = new ArrayList<>(Math.max(16, batch.size()));
            ingest.dispatch(batch, true);
        }
    }

    private void accept(ServerSocketChannel server) {
        for (int i = 0; i < 64; i++) {
            SocketChannel channel;
            try {
                channel = server.accept();
            } catch (IOException e) {
                LOG.warn("accepting a TCP log connection failed", e);
                return;
            }
            if (channel == null) {
                return;
            }
            String peer = "?";
            try {
                InetSocketAddress remote = (InetSocketAddress) channel.getRemoteAddress();
                peer = String.valueOf(remote);
                if (!makeRoomFor(remote.getAddress(), peer)) {
                    channel.close();
                    continue;
                }
                channel.configureBlocking(false);
                int initial = Math.min(INITIAL_BUFFER, maxFrameLength + FRAME_OVERHEAD);
                bufferBudget.acquire(initial); // bounded by the slot count; only larger reads are conditional
                Connection c = new Connection(channel, peer, new TcpStreamDecoder(maxFrameLength), initial);
                c.peerAddress = remote.getAddress();
                c.acceptedNanos = System.nanoTime();
                c.lastActiveNanos = c.acceptedNanos;
                c.key = channel.register(selector, SelectionKey.OP_READ, c);
                connections.add(c);
                pending.add(c);
                perPeer.computeIfAbsent(c.peerAddress, a -> new int[1])[0]++;
                publishGauges(); // a connection waiting for its HELLO counts as pending from now
            } catch (IOException e) {
                LOG.debug("a TCP log connection from {} failed while being set up", peer, e);
                closeQuietly(channel);
            }
        }
    }

    /** Reads once from {@code c}; returns the bytes read, or -1 once the connection is closed. */
    private int read(Connection c) {
        ByteBuffer buf = shared;
        buf.clear();
        int max = maxFrameLength + FRAME_OVERHEAD;
        // What the read may leave behind is one unfinished frame of at most max - 1 bytes: reserve that much for
        // a full-size read, or read only what the connection's allowance covers when the share has no room.
        int limit = Math.min(buf.capacity(), c.allowance);
        int worstCarry = max - 1;
        if (c.allowance < worstCarry && bufferBudget.tryAcquire(worstCarry - c.allowance)) {
            c.allowance = worstCarry;
            limit = buf.capacity();
        } else if (c.allowance >= worstCarry) {
            limit = buf.capacity();
        }
        if (c.carryLength >= limit) {
            // A frame larger than the allowance, and no room in the share: this sender waits (its TCP window
            // fills) until other connections give some back, instead of the monitor running out of memory.
            pause(c, TimeUnit.MILLISECONDS.toNanos(10));
            return 0;
        }
        buf.put(c.carry, 0, c.carryLength);
        buf.limit(limit);
        int n;
        try {
            n = c.channel.read(buf);
        } catch (IOException e) {
            n = -1;
        }
        if (n < 0) {
            if (c.carryLength > 0 && c.sender != null) {
                dispatchRound();
                ingest.rejected(c.sender, LogOrigin.TCP, c.peer, RejectReason.TRUNCATED,
                        "connection ended in the middle of a frame (TRUNCATED, " + c.carryLength + " bytes)");
            }
            close(c);
            return -1;
        }
        if (n == 0) {
            keep(c, c.carryLength);
            return 0;
        }
        if (c.sender != null && c.sender.evicted()) {
            // The hub forgot this idle attached sender: a fresh connection and HELLO registers it again.
            ingest.rejectedUnattributed(LogOrigin.TCP, c.peer, "connection of forgotten attached sender '"
                    + c.sender.name() + "' closed; the client reconnects");
            close(c);
            return -1;
        }
        c.lastActiveNanos = System.nanoTime();
        roundBytes += 2L * n;
        buf.flip();
        if (roundTime == null) {
            roundTime = Instant.now();
        }
        int start = round.size();
        try {
            Frame frame;
            while ((frame = c.decoder.decode(buf)) != null) {
                if (frame instanceof RecordFrame r && c.sender != null) {
                    round.add(new LogRecord(c.sender.name(), LogOrigin.TCP, true, r.sequence(), r.clock(),
                            r.timestampNanos(), roundTime, r.level(), r.logger(), r.message(), r.attributes(),
                            c.launch));
                } else if (frame instanceof Hello hello && c.sender == null) {
                    SenderState sender = ingest.authenticate(hello, LogOrigin.TCP, c.peer);
                    if (sender == null || !admit(c, sender)) {
                        close(c);
                        return -1;
                    }
                    c.sender = sender;
                    c.launch = sender.launch();
                    c.sequences = sender.session(hello.session());
                } else if (frame instanceof Goodbye goodbye && c.sender != null) {
                    start = finishChunk(c, start);
                    c.sender.lost(c.sequences.goodbye(goodbye.produced()));
                } else {
                    throw new UnexpectedFrameException("unexpected " + frame.getClass().getSimpleName()
                            + " frame: a TCP stream is one HELLO, records, then one GOODBYE");
                }
            }
        } catch (ProtocolException e) {
            finishChunk(c, start);
            reject(c, Ingest.codeOf(e), Ingest.describe(e));
            close(c);
            return -1;
        } catch (RuntimeException e) {
            finishChunk(c, start);
            reject(c, RejectReason.OTHER, "the decoder failed: " + e);
            close(c);
            return -1;
        }
        finishChunk(c, start);
        int left = buf.remaining();
        if (left >= max) {
            reject(c, RejectReason.FRAME_TOO_LONG,
                    "a frame does not fit the " + max + "-byte connection buffer (FRAME_TOO_LONG)");
            close(c);
            return -1;
        }
        if (left > c.carry.length || (c.carry.length > INITIAL_BUFFER && left <= INITIAL_BUFFER)) {
            // A larger frame than before, or a large carry no longer needed: the array follows what is kept.
            // Room for a little more than this frame's start, never beyond what the allowance covers.
            c.carry = left == 0 ? NO_BYTES
                    : new byte[Math.max(left, Math.min(c.allowance, Math.min(INITIAL_BUFFER, 2 * left)))];
        }
        buf.get(c.carry, 0, left);
        c.carryLength = left;
        keep(c, left);
        return n;
    }

    /** Gives back what the connection's allowance holds beyond {@code needed} bytes (and its base 4 KiB). */
    private void keep(Connection c, int needed) {
        int keep = Math.max(Math.max(needed, c.carry.length), Math.min(INITIAL_BUFFER, maxFrameLength + FRAME_OVERHEAD));
        if (c.allowance > keep) {
            bufferBudget.release(c.allowance - keep);
            c.allowance = keep;
        }
    }

    private void pause(Connection c, long nanos) {
        if (c.key.isValid() && c.key.interestOps() != 0) {
            c.key.interestOps(0);
            c.resumeAtNanos = System.nanoTime() + nanos;
            throttled.add(c);
        }
    }

    private int finishChunk(Connection c, int start) {
        int end = round.size();
        if (end > start) {
            SenderState s = c.sender;
            s.append(round, start, end);
            s.received(end - start);
            s.lost(c.sequences.observe(round, start, end));
            TokenBucket limit = s.rateLimit();
            if (limit != null) {
                long waitNanos = limit.borrow(end - start);
                if (waitNanos > 0 && c.key.isValid()) {
                    c.key.interestOps(0);
                    c.resumeAtNanos = System.nanoTime() + waitNanos;
                    throttled.add(c);
                }
            }
        }
        return end;
    }

    /** Resumes connections whose rate-limit pause is over; returns the select timeout in ms (0 = none). */
    private long resumeThrottled() {
        long now = System.nanoTime();
        Connection c;
        while ((c = throttled.peek()) != null && c.resumeAtNanos <= now) {
            throttled.poll();
            if (c.key.isValid()) {
                c.key.interestOps(SelectionKey.OP_READ);
            }
        }
        c = throttled.peek();
        return c == null ? 500 : Math.max(1, TimeUnit.NANOSECONDS.toMillis(c.resumeAtNanos - now));
    }

    private void reject(Connection c, RejectReason code, String reason) {
        // The records decoded before the error go to the sinks first, so the notice follows them in the log.
        dispatchRound();
        if (c.sender != null) {
            ingest.rejected(c.sender, LogOrigin.TCP, c.peer, code, reason);
        } else {
            ingest.rejectedUnattributed(LogOrigin.TCP, c.peer, reason);
        }
    }

    private void close(Connection c) {
        if (c.key != null) {
            c.key.cancel();
        }
        closeQuietly(c.channel);
        if (connections.remove(c)) {
            bufferBudget.release(c.allowance);
            switch (c.kind) {
                case PENDING -> {
                    pending.remove(c);
                    peerLeft(c.peerAddress);
                }
                case ATTACHED -> {
                    attachedCount--;
                    peerLeft(c.peerAddress);
                }
                case LAUNCHED -> launchedCount--;
            }
            publishGauges();
        }
    }

    private void peerLeft(InetAddress address) {
        int[] count = perPeer.get(address);
        if (count != null && --count[0] <= 0) {
            perPeer.remove(address);
        }
    }

    private void publishGauges() {
        gauges = new int[] {pending.size(), launchedCount, attachedCount};
    }

    /**
     * Finds a slot for a new connection from {@code address}: evicts the oldest connection without a HELLO
     * (of that peer when the peer is at its cap) when needed. False, after counting and reporting, when
     * every slot that could be freed holds an authenticated connection.
     */
    private boolean makeRoomFor(InetAddress address, String peer) {
        int[] count = perPeer.get(address);
        if (count != null && count[0] >= admission.maxPerPeer()) {
            Connection victim = oldestPending(address);
            for (int tries = 0; victim != null && tries < 16 && sentItsHello(victim); tries++) {
                victim = oldestPending(address);
            }
            if (victim == null) {
                refusedPerPeer.incrementAndGet();
                ingest.rejectedUnattributed(LogOrigin.TCP, peer, "connection refused: " + address.getHostAddress()
                        + " already holds " + count[0] + " attached log connection(s) (limit "
                        + admission.maxPerPeer() + ", setting log.maxConnectionsPerPeer)");
                return false;
            }
            evictPending(victim);
        }
        if (pending.size() >= Admission.pendingShare(maxConnections) || connections.size() >= maxConnections) {
            Connection victim = pending.isEmpty() ? null : pending.iterator().next();
            for (int tries = 0; victim != null && tries < 16 && sentItsHello(victim); tries++) {
                victim = pending.isEmpty() ? null : pending.iterator().next();
            }
            if (victim != null && pending.size() < Admission.pendingShare(maxConnections)
                    && connections.size() < maxConnections) {
                return true; // reading the oldest admitted them and made room
            }
            if (victim == null) {
                refusedNoSlot.incrementAndGet();
                ingest.rejectedUnattributed(LogOrigin.TCP, peer, "connection refused: all " + maxConnections
                        + " log connection slots hold authenticated senders (setting log.maxConnections)");
                return false;
            }
            evictPending(victim);
        }
        return true;
    }

    private Connection oldestPending(InetAddress address) {
        for (Connection c : pending) {
            if (c.peerAddress.equals(address)) {
                return c;
            }
        }
        return null;
    }

    /**
     * Reads a pending connection once before it is closed for want of a HELLO: while the sinks were full the
     * collector did not read at all, and a sender whose HELLO has been waiting in the socket must not pay
     * for that. True when the connection is no longer pending (admitted, or closed by what it sent).
     */
    private boolean sentItsHello(Connection c) {
        try {
            read(c);
        } catch (RuntimeException | Error e) {
            close(c);
            return true;
        }
        return c.kind != Kind.PENDING || !connections.contains(c);
    }

    private void evictPending(Connection victim) {
        pendingEvicted.incrementAndGet();
        ingest.rejectedUnattributed(LogOrigin.TCP, victim.peer, "connection without a HELLO closed after "
                + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - victim.acceptedNanos)
                + " ms to admit a newer one (too many connections waiting for their HELLO)");
        close(victim);
    }

    /** Moves a connection that sent a valid HELLO into its share; false (reported) when the share is full. */
    private boolean admit(Connection c, SenderState sender) {
        boolean launched = sender.launched();
        if (!launched && attachedCount >= Admission.attachedShare(maxConnections)) {
            refusedAttached.incrementAndGet();
            ingest.rejected(sender, LogOrigin.TCP, c.peer, RejectReason.CONNECTION_SHARE,
                    "connection refused: attached senders already hold "
                    + attachedCount + " connections, the rest is kept for launched guests (raise log.maxConnections)");
            return false;
        }
        pending.remove(c);
        if (launched) {
            peerLeft(c.peerAddress);
            launchedCount++;
            c.kind = Kind.LAUNCHED;
        } else {
            attachedCount++;
            c.kind = Kind.ATTACHED;
        }
        publishGauges();
        return true;
    }

    /**
     * Closes connections past their HELLO deadline (oldest first, so the scan stops at the first one still in
     * time) and, about once a second, authenticated connections past the idle timeout. Returns how long the
     * selector may sleep before the next deadline, in ms.
     */
    private long enforceDeadlines() {
        long now = System.nanoTime();
        Connection oldest;
        while (!pending.isEmpty() && now - (oldest = pending.iterator().next()).acceptedNanos >= helloTimeoutNanos) {
            if (sentItsHello(oldest)) {
                continue;
            }
            helloTimeouts.incrementAndGet();
            ingest.rejectedUnattributed(LogOrigin.TCP, oldest.peer, "connection closed: no valid HELLO within "
                    + admission.helloTimeout().toMillis() + " ms (setting log.helloTimeoutMs)");
            close(oldest);
        }
        if (idleTimeoutNanos > 0 && now - nextIdleScanNanos >= 0) {
            nextIdleScanNanos = now + Math.min(TimeUnit.SECONDS.toNanos(1), idleTimeoutNanos / 2 + 1);
            for (Connection c : List.copyOf(connections)) {
                if (c.kind != Kind.PENDING && now - c.lastActiveNanos >= idleTimeoutNanos) {
                    // Silent, or only unread because the sinks were full: one read tells which.
                    if (read(c) != 0) {
                        continue;
                    }
                    idleTimeouts.incrementAndGet();
                    ingest.notice(c.sender, "closed the TCP log connection from " + c.peer + ": nothing sent for "
                            + admission.idleTimeout().toMillis() + " ms (setting log.idleTimeoutMs); the client "
                            + "reconnects when it has records");
                    close(c);
                }
            }
        }
        long wait = 1000;
        if (!pending.isEmpty()) {
            long due = pending.iterator().next().acceptedNanos + helloTimeoutNanos - now;
            wait = Math.min(wait, Math.max(1, TimeUnit.NANOSECONDS.toMillis(due) + 1));
        }
        return wait;
    }

    /** The admission control's counters and current occupancy; safe to call from any thread. */
    public AdmissionStats admissionStats() {
        int[] g = gauges;
        return new AdmissionStats(helloTimeouts.get(), idleTimeouts.get(), pendingEvicted.get(), refusedPerPeer.get(),
                refusedNoSlot.get(), refusedAttached.get(), g[0], g[1], g[2]);
    }

    private static void closeQuietly(SocketChannel channel) {
        try {
            channel.close();
        } catch (IOException ignored) {
            // Nothing left to do with a connection that failed to close.
        }
    }

    /** Reads what the senders had already sent, hands it on, then closes everything. */
    private void drainAndClose() {
        try {
            roundTime = null;
            for (Connection c : List.copyOf(connections)) {
                for (int i = 0; i < 1000 && read(c) > 0; i++) {
                    // keep reading what is already buffered in the socket
                }
            }
            dispatchRound();
        } catch (RuntimeException e) {
            LOG.warn("draining TCP log connections at close failed", e);
        }
        for (Connection c : List.copyOf(connections)) {
            close(c);
        }
        for (ServerSocketChannel server : listeners.values()) {
            try {
                server.close();
            } catch (IOException ignored) {
                // closing anyway
            }
        }
        listeners.clear();
        try {
            selector.close();
        } catch (IOException ignored) {
            // closing anyway
        }
    }

    /** Rounds or connections whose handling failed and was survived. */
    public long failures() {
        return failures;
    }

    /** True once the collector stopped for good after failing round after round. */
    public boolean broken() {
        return broken;
    }

    @Override
    public void close() {
        closing = true;
        selector.wakeup();
        try {
            thread.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
