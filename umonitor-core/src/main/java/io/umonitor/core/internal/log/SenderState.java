package io.umonitor.core.internal.log;

import io.umonitor.api.LaunchIdentity;
import io.umonitor.api.LogFilter;
import io.umonitor.api.LogRecord;
import io.umonitor.api.LogStats;
import io.umonitor.api.spi.CollectorSender;
import io.umonitor.core.internal.collect.TokenBucket;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Everything the hub keeps about one sender name: its token, its history ring, its followers, its
 * counters and its sessions' loss accounting. Collector threads, console callers and sink threads
 * all touch it, so every field is either atomic or guarded by {@code this}.
 */
public final class SenderState implements CollectorSender {
    private static final int MAX_SESSIONS = 16;

    private final String name;
    private volatile byte[] token;
    /** Grows by doubling up to {@code historySize}, so thousands of quiet senders cost little memory. */
    private LogRecord[] ring;
    /** Each ring slot's estimated size ({@link MemoryBudget#sizeOf}), so evicting a record need not measure it again. */
    private int[] sizes;
    private final int historySize;
    private int ringNext;
    private int ringSize;
    private Follower[] followers = new Follower[0];
    private final TokenBucket rateLimit;
    private final Map<Long, Sequences> sessions = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Long, Sequences> eldest) {
            return size() > MAX_SESSIONS;
        }
    };

    final AtomicLong received = new AtomicLong();
    final AtomicLong lost = new AtomicLong();
    final AtomicLong rejected = new AtomicLong();
    final AtomicLong dropped = new AtomicLong();
    /** Unsigned records revealed lost and recovered since the last report; guarded by {@link #lost}. */
    long pendingRevealed;
    long pendingRecovered;
    /** The lost total passed 2^64-1; guarded by {@link #lost}. */
    private boolean lostSaturated;
    final AtomicLong pendingDropped = new AtomicLong();
    final AtomicLong pendingRejected = new AtomicLong();
    /** Detailed rejection reports sent in the current report interval (the rest are summed). */
    final AtomicInteger detailedReports = new AtomicInteger();

    /** Console decoding state: guarded by itself. */
    final ConsoleState console = new ConsoleState();

    /** The histories' share of the memory budget, and this history's part of it in bytes. */
    private final MemoryBudget.Share historyBudget;
    private long historyBytes;

    SenderState(String name, int historySize, long rateLimitPerSecond, Follower[] initialFollowers) {
        this(name, historySize, rateLimitPerSecond, initialFollowers, new MemoryBudget(Long.MAX_VALUE / 4).history);
    }

    SenderState(String name, int historySize, long rateLimitPerSecond, Follower[] initialFollowers,
            MemoryBudget.Share historyBudget) {
        this.historyBudget = historyBudget;
        this.name = name;
        this.historySize = historySize;
        this.ring = new LogRecord[Math.min(historySize, 64)];
        this.sizes = new int[ring.length];
        this.rateLimit = rateLimitPerSecond > 0 ? new TokenBucket(rateLimitPerSecond) : null;
        this.followers = initialFollowers;
    }

    public String name() {
        return name;
    }

    /** The sender's rate limit, or null when unlimited. */
    public TokenBucket rateLimit() {
        return rateLimit;
    }

    @Override
    public boolean tryAdmit() {
        return rateLimit == null || rateLimit.tryTake(1);
    }

    @Override
    public long admitDelayNanos() {
        return rateLimit == null ? 0 : rateLimit.borrow(1);
    }

    /** The run that holds the current token (set before the token, so a sender it admits finds its run). */
    private volatile LaunchIdentity launch = LaunchIdentity.NONE;

    /** The run records of this sender come from now; {@link LaunchIdentity#NONE} for attached senders. */
    public LaunchIdentity launch() {
        return launch;
    }

    void token(String newToken) {
        token(newToken, launch);
    }

    void token(String newToken, LaunchIdentity run) {
        launch = run;
        token = newToken == null ? null : newToken.getBytes(StandardCharsets.UTF_8);
        tokenText = newToken;
        synchronized (this) {
            bindSessions = false;
            boundSession = null;
        }
        if (newToken != null) {
            attached = false;
            everLaunched = true;
        }
    }

    private volatile String tokenText;
    /** The session a launched guest's token was first used with; null until then. */
    private Long boundSession;
    private boolean bindSessions;

    /** From now until the next token, only the first session to present the token is accepted. */
    synchronized void bindToFirstSession() {
        bindSessions = true;
    }

    /**
     * Binds the token to the first session that presents it, so the token read from a command line (where no
     * hidden channel exists, e.g. Solo5 tenders) is useless to anyone else. False for any other session.
     */
    synchronized boolean bindSession(long session) {
        if (!bindSessions) {
            return true;
        }
        if (boundSession == null) {
            boundSession = session;
            return true;
        }
        return boundSession == session;
    }

    /** The record with this guest's token masked wherever its console text shows it (kernels print their command line). */
    LogRecord maskToken(LogRecord record) {
        String t = tokenText;
        if (t == null || t.isEmpty() || !record.message().contains(t)) {
            return record;
        }
        return new LogRecord(record.unikernel(), record.origin(), record.hasSequence(), record.sequence(),
                record.guestClock(), record.guestNanos(), record.receivedAt(), record.level(), record.logger(),
                record.message().replace(t, "********"), record.attributes(), record.launch());
    }

    /** When the sender last sent a record (System.nanoTime), for forgetting idle attached senders. */
    private volatile long lastActiveNanos = System.nanoTime();
    /** Created by an attach-mode HELLO and never launched: may be forgotten when idle. */
    volatile boolean attached;
    /** Once launched, a name's history is kept for good (the Monitor shows exited guests' logs). */
    volatile boolean everLaunched;
    private volatile boolean evicted;

    long lastActiveNanos() {
        return lastActiveNanos;
    }

    void evict() {
        evicted = true;
    }

    /** True once the hub forgot this sender: its connections must close so the client starts afresh. */
    public boolean evicted() {
        return evicted;
    }

    boolean isRegistered() {
        return token != null;
    }

    /** True for a guest this monitor launched (it has its own token), false for an attached sender. */
    public boolean launched() {
        return token != null;
    }

    /** Constant-time comparison with the registered token; false when not registered. */
    boolean tokenMatches(byte[] presented) {
        byte[] expected = token;
        return expected != null && MessageDigest.isEqual(expected, presented);
    }

    /** The loss accounting of one session, shared by every connection and datagram of it. */
    public Sequences session(long session) {
        synchronized (sessions) {
            return sessions.computeIfAbsent(session, Sequences::new);
        }
    }

    /** Adds a change of the lost count, as {@link Sequences} reports it; totals are unsigned and saturate. */
    public void lost(Sequences.Change change) {
        if (change.revealed() == 0 && change.recovered() == 0) {
            return;
        }
        synchronized (lost) {
            long total = lost.get();
            long sum = total + change.revealed();
            lostSaturated |= Long.compareUnsigned(sum, total) < 0;
            total = lostSaturated ? -1L : sum - change.recovered();
            lost.set(total);
            pendingRevealed = saturatingAdd(pendingRevealed, change.revealed());
            pendingRecovered = saturatingAdd(pendingRecovered, change.recovered());
        }
    }

    /** The revealed and recovered counts since the last call, and the lost total; all unsigned. */
    long[] takeLossReport() {
        synchronized (lost) {
            long[] report = {pendingRevealed, pendingRecovered, lost.get()};
            pendingRevealed = 0;
            pendingRecovered = 0;
            return report;
        }
    }

    private static long saturatingAdd(long a, long b) {
        long sum = a + b;
        return Long.compareUnsigned(sum, a) < 0 ? -1L : sum;
    }

    /** Records accepted but not stored (rate limit, queue overflow, sink failure). */
    public void dropped(long n) {
        dropped.addAndGet(n);
        pendingDropped.addAndGet(n);
    }

    /** Counts records accepted from the sender itself (not monitor records). */
    public void received(long n) {
        received.addAndGet(n);
        lastActiveNanos = System.nanoTime();
    }

    /**
     * Appends records {@code from..to-1} (all of this sender) to the history and hands them to the
     * followers, under one lock so that a follower registering concurrently sees each record exactly
     * once, either in its replay or live.
     */
    public synchronized void append(List<LogRecord> records, int from, int to) {
        ensureRoom(to - from);
        LogRecord[] r = ring;
        int[] sz = sizes;
        int next = ringNext;
        long added = 0;
        long freed = 0;
        for (int i = from; i < to; i++) {
            freed += sz[next]; // 0 for an empty slot
            LogRecord record = records.get(i);
            int size = (int) Math.min(Integer.MAX_VALUE, MemoryBudget.sizeOf(record));
            added += size;
            sz[next] = size;
            r[next] = record;
            if (++next == r.length) {
                next = 0;
            }
        }
        ringNext = next;
        ringSize = Math.min(r.length, ringSize + (to - from));
        account(added, freed);
        Follower[] fs = followers;
        if (fs.length > 0) {
            for (int i = from; i < to; i++) {
                LogRecord record = records.get(i);
                for (Follower f : fs) {
                    f.offer(record);
                }
            }
        }
    }

    public synchronized void append(LogRecord record) {
        ensureRoom(1);
        int size = (int) Math.min(Integer.MAX_VALUE, MemoryBudget.sizeOf(record));
        int freed = sizes[ringNext];
        sizes[ringNext] = size;
        ring[ringNext] = record;
        if (++ringNext == ring.length) {
            ringNext = 0;
        }
        ringSize = Math.min(ring.length, ringSize + 1);
        account(size, freed); // after the ring is consistent: it may evict the oldest records
        for (Follower f : followers) {
            f.offer(record);
        }
    }

    /**
     * Counts appended and overwritten bytes; over the histories' share, evicts this history's oldest records
     * while it holds more than its fair part, so a flooding sender pays for its own flood. Called under the lock.
     */
    private void account(long added, long freed) {
        historyBytes += added - freed;
        historyBudget.acquire(added - freed);
        if (historyBudget.over()) {
            trimOldestLocked(historyBudget.fairShare());
        }
    }

    /** Drops oldest records until this history holds at most {@code keepBytes} (keeps the newest one). */
    synchronized long trimOldest(long keepBytes) {
        return trimOldestLocked(keepBytes);
    }

    private long trimOldestLocked(long keepBytes) {
        long freed = 0;
        while (ringSize > 1 && historyBytes > keepBytes) {
            int oldest = ringNext - ringSize;
            if (oldest < 0) {
                oldest += ring.length;
            }
            long size = sizes[oldest];
            ring[oldest] = null;
            sizes[oldest] = 0;
            ringSize--;
            historyBytes -= size;
            freed += size;
        }
        historyBudget.release(freed);
        return freed;
    }

    synchronized long historyBytes() {
        return historyBytes;
    }

    /** Releases the whole history's bytes (the sender is being forgotten). */
    synchronized void dropHistory() {
        trimOldestLocked(-1);
        if (ringSize == 1) {
            int oldest = ringNext - 1 < 0 ? ring.length - 1 : ringNext - 1;
            long size = sizes[oldest];
            ring[oldest] = null;
            sizes[oldest] = 0;
            ringSize = 0;
            historyBytes -= size;
            historyBudget.release(size);
        }
    }

    private void ensureRoom(int more) {
        if (ringSize + more <= ring.length || ring.length == historySize) {
            return;
        }
        int capacity = ring.length;
        while (capacity < ringSize + more && capacity < historySize) {
            capacity = (int) Math.min((long) capacity * 2, historySize);
        }
        LogRecord[] grown = new LogRecord[capacity];
        int[] grownSizes = new int[capacity];
        int start = ringNext - ringSize;
        if (start < 0) {
            start += ring.length;
        }
        for (int i = 0; i < ringSize; i++) {
            grown[i] = ring[(start + i) % ring.length];
            grownSizes[i] = sizes[(start + i) % ring.length];
        }
        ring = grown;
        sizes = grownSizes;
        ringNext = ringSize == capacity ? 0 : ringSize;
    }

    synchronized List<LogRecord> history(LogFilter filter) {
        List<LogRecord> out = new ArrayList<>(filter == LogFilter.ALL ? ringSize : 16);
        int start = ringNext - ringSize;
        if (start < 0) {
            start += ring.length;
        }
        for (int i = 0; i < ringSize; i++) {
            LogRecord record = ring[(start + i) % ring.length];
            if (filter.matches(record)) {
                out.add(record);
            }
        }
        return out;
    }

    /** Replays the whole history into {@code follower} and subscribes it, atomically. */
    synchronized void subscribe(Follower follower) {
        follower.replay(history(LogFilter.ALL));
        Follower[] fs = Arrays.copyOf(followers, followers.length + 1);
        fs[fs.length - 1] = follower;
        followers = fs;
    }

    synchronized void unsubscribe(Follower follower) {
        followers = Arrays.stream(followers).filter(f -> f != follower).toArray(Follower[]::new);
    }

    LogStats stats() {
        return new LogStats(received.get(), lost.get(), rejected.get(), dropped.get());
    }

    /** Console lines of one unikernel carry at most one session at a time (the last console HELLO's). */
    static final class ConsoleState {
        long session;
        Sequences sequences;
        io.umonitor.protocol.ConsoleDecoder decoder;
    }

    void closeFollowers() {
        Follower[] fs;
        synchronized (this) {
            fs = followers;
        }
        for (Follower f : fs) {
            f.close();
        }
    }
}
