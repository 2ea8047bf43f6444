package io.umonitor.core.internal.collect;

import java.time.Duration;

/**
 * How the TCP collector shares its connection slots so that no local process can exhaust them.
 *
 * <p>Of {@code maxConnections} slots, at most a quarter hold connections that have not yet sent a valid
 * HELLO; when that share is full the oldest such connection is closed to admit the new one, so a storm of
 * silent connections only ever delays itself. Connections of attached (not launched) senders may use all
 * but the pending share and a further quarter, which is kept for guests this monitor launched. A peer
 * address may hold at most {@code maxPerPeer} pending or attached connections.
 *
 * @param helloTimeout a connection without a valid HELLO after this long is closed
 * @param idleTimeout an authenticated connection silent this long is closed; zero: never
 * @param maxPerPeer pending or attached connections per peer address
 */
public record Admission(Duration helloTimeout, Duration idleTimeout, int maxPerPeer) {

    /** Slots that may hold connections before their HELLO. */
    public static int pendingShare(int maxConnections) {
        return Math.max(1, maxConnections / 4);
    }

    /** Slots attached senders may hold; the rest is kept for launched guests (and pending connections). */
    public static int attachedShare(int maxConnections) {
        return Math.max(1, maxConnections - pendingShare(maxConnections) - maxConnections / 4);
    }
}
