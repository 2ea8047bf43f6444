package io.umonitor.core.internal.log;

import io.umonitor.api.LaunchIdentity;
import io.umonitor.api.ConfigurationException;
import io.umonitor.api.LogOrigin;
import io.umonitor.api.Names;
import io.umonitor.protocol.Hello;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Who may send and what the hub keeps per sender: the bounded table of {@link SenderState}s, the
 * registered tokens, attach mode, and the followers every sender gets (those following everyone).
 * Authentication of a HELLO happens here; what a refusal costs the sender is the reporter's business.
 */
final class SenderRegistry {
    /** Where refusals go: counted and reported per sender, or logged when no sender can be named. */
    interface Refusals {
        void rejected(SenderState sender, LogOrigin origin, Object peer, String reason);

        void rejectedUnattributed(LogOrigin origin, Object peer, String reason);
    }

    private final ConcurrentHashMap<String, SenderState> senders = new ConcurrentHashMap<>();
    private final Object lock = new Object();
    private final int maxSenders;
    private final int historySize;
    private final long senderRateLimit;
    private final MemoryBudget.Share historyBudget;
    private final Duration attachedIdleEviction;
    private final Object trimLock = new Object();
    private volatile Follower[] globalFollowers = new Follower[0];
    private volatile byte[] attachToken;

    /**
     * @param historyBudget the histories' share of the memory budget, split fairly among the senders kept
     * @param attachedIdleEviction how long an attached sender may stay silent before it is forgotten; zero: never
     */
    SenderRegistry(int maxSenders, int historySize, long senderRateLimit, MemoryBudget.Share historyBudget,
            Duration attachedIdleEviction) {
        this.maxSenders = maxSenders;
        this.historySize = historySize;
        this.senderRateLimit = senderRateLimit;
        this.historyBudget = historyBudget;
        this.attachedIdleEviction = attachedIdleEviction;
    }

    /** The sender of that name, or null when the hub keeps none. */
    SenderState get(String name) {
        return senders.get(name);
    }

    /** The sender of that name, created when new; null when the hub already keeps {@code maxSenders}. */
    SenderState getOrCreate(String name) {
        SenderState s = senders.get(name);
        if (s != null) {
            return s;
        }
        synchronized (lock) {
            s = senders.get(name);
            if (s == null) {
                if (senders.size() >= maxSenders) {
                    return null;
                }
                s = new SenderState(name, historySize, senderRateLimit,
                        Arrays.stream(globalFollowers).toArray(Follower[]::new), historyBudget);
                senders.put(name, s);
                historyBudget.holders(senders.size());
            }
            return s;
        }
    }

    /** Like {@link #getOrCreate} for a name an API caller gave: invalid names and a full table are errors. */
    SenderState require(String name) {
        Names.requireValidUnikernelName(name);
        SenderState s = getOrCreate(name);
        if (s == null) {
            throw new ConfigurationException("cannot keep logs of '" + name + "': the hub already keeps "
                    + maxSenders + " senders (maxSenders): raise the limit");
        }
        return s;
    }

    /**
     * The sender a collector extension attributes input to: with {@code registeredOnly} only a registered
     * one, otherwise any valid name (created when new); null when there is none or the table is full.
     */
    SenderState named(String name, boolean registeredOnly) {
        if (registeredOnly) {
            SenderState s = senders.get(name);
            return s != null && s.isRegistered() ? s : null;
        }
        return Names.isValidUnikernelName(name) ? getOrCreate(name) : null;
    }

    void register(String name, String token, LaunchIdentity launch) {
        Objects.requireNonNull(token, "token");
        require(name).token(token, Objects.requireNonNull(launch, "launch"));
    }

    void unregister(String name) {
        SenderState s = senders.get(name);
        if (s != null) {
            s.token(null);
        }
    }

    void acceptUnregistered(String token) {
        attachToken = token == null ? null : token.getBytes(StandardCharsets.UTF_8);
    }

    /** Binds {@code name}'s current token to the first session that presents it (see {@link LogHub}). */
    void bindTokenToFirstSession(String name) {
        SenderState s = senders.get(name);
        if (s != null) {
            s.bindToFirstSession();
        }
    }

    Collection<SenderState> all() {
        return senders.values();
    }

    List<String> names() {
        return senders.keySet().stream().sorted().toList();
    }

    /**
     * Checks a HELLO's name and token (constant-time). Returns the sender, or null after telling
     * {@code refusals} why.
     */
    SenderState authenticate(Hello hello, LogOrigin origin, Object peer, Refusals refusals) {
        String name = hello.name();
        byte[] presented = hello.token().getBytes(StandardCharsets.UTF_8);
        SenderState s = senders.get(name);
        if (s != null && s.isRegistered()) {
            if (s.tokenMatches(presented)) {
                if (!s.bindSession(hello.session())) {
                    refusals.rejected(s, origin, peer, "the token is bound to the guest's first session and this "
                            + "HELLO starts another (" + Long.toUnsignedString(hello.session()) + "): a copied token?");
                    return null;
                }
                return s;
            }
            refusals.rejected(s, origin, peer, "wrong token in HELLO from '" + name + "' (a known name; the token is "
                    + "not the one this launch handed the unikernel)");
            return null;
        }
        byte[] shared = attachToken;
        // A known sender's name was checked when it was first seen: no pattern match per UDP datagram.
        if (shared != null && (s != null || Names.isValidUnikernelName(name))
                && (shared.length == 0 || MessageDigest.isEqual(shared, presented))) {
            SenderState attached = getOrCreate(name);
            if (attached != null) {
                if (!attached.everLaunched) {
                    attached.attached = true;
                }
                return attached;
            }
            refusals.rejectedUnattributed(origin, peer, "sender '" + name + "' refused: the hub already keeps "
                    + maxSenders + " senders: raise log.maxSenders, or forget idle attached senders sooner with "
                    + "log.attachedIdleMs (now " + attachedIdleEviction.toMillis() + " ms)");
            return null;
        }
        if (s != null) {
            refusals.rejected(s, origin, peer, shared == null ? "sender is not registered (stopped or never launched)"
                    : "wrong token in HELLO from '" + name + "' (not the collector's attach token)");
        } else if (shared != null && Names.isValidUnikernelName(name)) {
            refusals.rejectedUnattributed(origin, peer, "HELLO from '" + name + "' refused: wrong token (not the "
                    + "collector's attach token)");
        } else {
            refusals.rejectedUnattributed(origin, peer, "HELLO from unknown sender '" + name + "' refused: no "
                    + "unikernel of that name is registered");
        }
        return null;
    }

    /**
     * Over the histories' share although the appending sender kept to its fair part: the largest histories
     * give up their oldest records until the share holds again.
     */
    void trimHistoriesIfOver() {
        if (!historyBudget.over()) {
            return;
        }
        synchronized (trimLock) {
            for (int round = 0; round < 64 && historyBudget.over(); round++) {
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
                        || largest.trimOldest(Math.min(historyBudget.fairShare(), most - most / 4)) == 0) {
                    return;
                }
            }
        }
    }

    /**
     * Forgets attached senders idle longer than {@code attachedIdleEviction}; their files stay, a new HELLO
     * starts afresh. Returns how many were forgotten.
     */
    int evictIdleAttached() {
        long idle = attachedIdleEviction.toNanos();
        if (idle <= 0) {
            return 0;
        }
        long now = System.nanoTime();
        int evicted = 0;
        for (SenderState s : senders.values()) {
            if (s.attached && !s.everLaunched && now - s.lastActiveNanos() > idle) {
                boolean removed;
                synchronized (lock) {
                    removed = s.attached && !s.everLaunched && senders.remove(s.name(), s);
                    if (removed) {
                        s.evict();
                        s.dropHistory();
                        historyBudget.holders(senders.size());
                        evicted++;
                    }
                }
                if (removed) {
                    // Outside the lock: a follower's consumer may call back into the hub.
                    s.closeFollowers();
                }
            }
        }
        return evicted;
    }

    int size() {
        return senders.size();
    }

    // ---- followers of everyone ----

    /** Replays every sender's history into {@code follower} and gives it every sender created later. */
    void subscribeAll(Follower follower) {
        synchronized (lock) {
            List<SenderState> all = new ArrayList<>(senders.values());
            all.sort(Comparator.comparing(SenderState::name));
            for (SenderState s : all) {
                s.subscribe(follower);
            }
            Follower[] fs = Arrays.copyOf(globalFollowers, globalFollowers.length + 1);
            fs[fs.length - 1] = follower;
            globalFollowers = fs;
        }
    }

    void unsubscribeAll(Follower follower) {
        synchronized (lock) {
            globalFollowers = Arrays.stream(globalFollowers).filter(f -> f != follower).toArray(Follower[]::new);
            for (SenderState s : senders.values()) {
                s.unsubscribe(follower);
            }
        }
    }

    /** Ends every follower, of everyone and of single senders. */
    void closeFollowers() {
        synchronized (lock) {
            for (Follower f : globalFollowers) {
                f.close();
            }
        }
        for (SenderState s : senders.values()) {
            s.closeFollowers();
        }
    }
}
