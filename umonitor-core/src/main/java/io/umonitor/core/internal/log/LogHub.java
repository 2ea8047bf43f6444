package io.umonitor.core.internal.log;

import io.umonitor.api.LaunchIdentity;
import io.umonitor.api.LogFilter;
import io.umonitor.api.LogRecord;
import io.umonitor.api.LogStats;
import io.umonitor.api.Subscription;
import io.umonitor.api.CollectorEndpoint;
import io.umonitor.api.spi.GuestOutput;
import java.net.InetAddress;
import java.util.List;
import java.util.function.Consumer;

/**
 * The seam between the monitor's lifecycle half (launching, restarting, stopping) and its logging half
 * (collectors, console ingestion, loss accounting, sinks, the in-memory history). The Monitor owns one.
 *
 * <p>Every method is thread-safe and none blocks on sinks or the network.
 */
public interface LogHub extends AutoCloseable {

    /**
     * Allows a unikernel to send: HELLOs naming {@code name} with {@code token} are accepted (compared in
     * constant time). Re-registering a name (a restart) replaces the token and keeps the history.
     */
    void registerSender(String name, String token);

    /**
     * As {@link #registerSender(String, String)}, for run {@code launch}: every record of {@code name} from
     * now on carries it, until the next registration.
     */
    default void registerSender(String name, String token, LaunchIdentity launch) {
        registerSender(name, token);
    }

    /** Stops accepting new connections and datagrams for {@code name}; its history stays readable. */
    void unregisterSender(String name);

    /**
     * Attach mode: accept HELLOs from senders that were never registered, keeping records per sender
     * name. {@code token} is the shared token they must present, or empty to accept any (loopback only).
     */
    void acceptUnregisteredSenders(String token);

    /** Where collectors listen on the host's loopback. */
    List<CollectorEndpoint> loopbackEndpoints();

    /**
     * Makes the collectors also listen on {@code hostAddress} (the host side of a unikernel's tap) and
     * returns those endpoints, tagged with {@code networkDevice}. Idempotent per address.
     */
    List<CollectorEndpoint> listenOn(InetAddress hostAddress, String networkDevice);

    /** Stops listening on an address added by {@link #listenOn}. */
    void stopListeningOn(InetAddress hostAddress);

    /**
     * One console line of unikernel {@code name}: plain text becomes a CONSOLE record, a line in the
     * protocol's console encoding a structured one (a bad encoded line is kept as text and counted).
     */
    void consoleLine(String name, GuestOutput.Stream stream, String line);

    /**
     * The next piece of a console line longer than the backend's limit: text, never a frame, marked with the
     * attribute {@code console.continuation=true}. The default treats it as a line, for hubs that never
     * receive cut lines.
     */
    default void consoleContinuation(String name, GuestOutput.Stream stream, String piece) {
        consoleLine(name, stream, piece);
    }

    /** A record umonitor itself writes (launched, exited, restarted, ...). */
    void publish(LogRecord record);

    /** The in-memory history of {@code name} that matches {@code filter}, oldest first. */
    List<LogRecord> history(String name, LogFilter filter);

    /**
     * Replays the history of {@code name} that matches {@code filter}, then delivers new matching records
     * as they arrive, on a hub thread, until the returned handle is closed. {@code name} null follows all.
     */
    Subscription follow(String name, LogFilter filter, Consumer<LogRecord> consumer);

    /** Counters for one sender. */
    LogStats stats(String name);

    /** Names of every sender with a history (launched or attached). */
    List<String> senders();

    /**
     * Monitor-wide counters of the logging half, by name (connections refused by admission control, input
     * refused before a sender was known, sink failures, memory held), in a stable order. Empty when the hub
     * keeps none.
     */
    default java.util.Map<String, Long> counters() {
        return java.util.Map.of();
    }

    /**
     * Binds {@code name}'s current token to the first session that presents it (the token was visible to other
     * users, e.g. on a Solo5 tender's command line); a later registration of a new token unbinds.
     */
    default void bindTokenToFirstSession(String name) {
    }

    /** Asks every file-writing sink to close its files and open them afresh at their paths (after logrotate). */
    default void reopenFiles() {
    }

    /** Drains the collectors, flushes and closes the sinks. Idempotent. */
    @Override
    void close();
}
