package io.umonitor.core.internal.log;

import io.umonitor.api.ConfigurationException;
import io.umonitor.api.LogOrigin;
import io.umonitor.api.Names;
import io.umonitor.protocol.Hello;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
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
    private volatile Follower[] globalFollowers = new Follower[0];
    private volatile byte[] attachToken;

    SenderRegistry(int maxSenders, int historySize, long senderRateLimit) {
        this.maxSenders = maxSenders;
        this.historySize = historySize;
        this.senderRateLimit = senderRateLimit;
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
                        Arrays.stream(globalFollowers).toArray(Follower[]::new));
                senders.put(name, s);
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

    void register(String name, String token) {
        Objects.requireNonNull(token, "token");
        require(name).token(token);
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
                return s;
            }
            refusals.rejected(s, origin, peer, "wrong token in HELLO from '" + name + "' (a known name; the token is "
                    + "not the one this launch handed the unikernel)");
            return null;
        }
        byte[] shared = attachToken;
        if (shared != null && Names.isValidUnikernelName(name)
                && (shared.length == 0 || MessageDigest.isEqual(shared, presented))) {
            SenderState attached = getOrCreate(name);
            if (attached != null) {
                return attached;
            }
            refusals.rejectedUnattributed(origin, peer, "sender '" + name + "' refused: the hub already keeps "
                    + maxSenders + " senders");
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
