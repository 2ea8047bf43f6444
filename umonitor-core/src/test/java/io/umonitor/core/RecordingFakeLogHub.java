package io.umonitor.core;

import io.umonitor.api.LogFilter;
import io.umonitor.api.LogLevel;
import io.umonitor.api.LogOrigin;
import io.umonitor.api.LogRecord;
import io.umonitor.api.LogStats;
import io.umonitor.api.Subscription;
import io.umonitor.api.CollectorEndpoint;
import io.umonitor.api.spi.GuestOutput;
import io.umonitor.core.internal.log.LogHub;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * A fake of the logging half that records every call, so lifecycle tests run without collectors. Console
 * lines and published records become history; endpoints are made up (nothing listens on them).
 */
final class RecordingFakeLogHub implements LogHub {
    final List<String> calls = new CopyOnWriteArrayList<>();
    final List<String> tokens = new CopyOnWriteArrayList<>();
    final Map<String, String> registered = new LinkedHashMap<>();
    final List<LogRecord> records = new CopyOnWriteArrayList<>();
    final List<InetAddress> listening = new CopyOnWriteArrayList<>();
    private final List<Consumer<LogRecord>> followers = new CopyOnWriteArrayList<>();
    private final List<String> eventLog;
    volatile String attachToken;
    volatile boolean closed;

    RecordingFakeLogHub(List<String> eventLog) {
        this.eventLog = eventLog;
    }

    RecordingFakeLogHub() {
        this(new CopyOnWriteArrayList<>());
    }

    @Override
    public synchronized void registerSender(String name, String token) {
        calls.add("register " + name);
        tokens.add(token);
        registered.put(name, token);
    }

    @Override
    public synchronized void unregisterSender(String name) {
        calls.add("unregister " + name);
        registered.remove(name);
    }

    synchronized boolean isRegistered(String name) {
        return registered.containsKey(name);
    }

    @Override
    public void acceptUnregisteredSenders(String token) {
        attachToken = token;
    }

    @Override
    public List<CollectorEndpoint> loopbackEndpoints() {
        InetAddress loopback = InetAddress.getLoopbackAddress();
        return List.of(new CollectorEndpoint(CollectorEndpoint.Transport.TCP, new InetSocketAddress(loopback, 10001), null),
                new CollectorEndpoint(CollectorEndpoint.Transport.UDP, new InetSocketAddress(loopback, 10002), null));
    }

    @Override
    public List<CollectorEndpoint> listenOn(InetAddress hostAddress, String networkDevice) {
        calls.add("listen " + hostAddress.getHostAddress());
        listening.add(hostAddress);
        return List.of(new CollectorEndpoint(CollectorEndpoint.Transport.TCP,
                new InetSocketAddress(hostAddress, 10001), networkDevice));
    }

    /** When set, {@link #stopListeningOn} waits for it, like a collector that is slow to answer. */
    volatile java.util.concurrent.CountDownLatch stopListeningGate;
    final java.util.concurrent.CountDownLatch stopListeningEntered = new java.util.concurrent.CountDownLatch(1);

    @Override
    public void stopListeningOn(InetAddress hostAddress) {
        stopListeningEntered.countDown();
        java.util.concurrent.CountDownLatch gate = stopListeningGate;
        if (gate != null) {
            try {
                gate.await(60, java.util.concurrent.TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        calls.add("stop-listen " + hostAddress.getHostAddress());
        listening.remove(hostAddress);
    }

    @Override
    public void consoleLine(String name, GuestOutput.Stream stream, String line) {
        add(LogRecord.simple(name, LogOrigin.CONSOLE, stream == GuestOutput.Stream.STDERR ? LogLevel.WARN : LogLevel.INFO,
                "", line));
    }

    @Override
    public void publish(LogRecord record) {
        add(record);
    }

    private void add(LogRecord record) {
        records.add(record);
        followers.forEach(f -> f.accept(record));
    }

    @Override
    public List<LogRecord> history(String name, LogFilter filter) {
        List<LogRecord> out = new ArrayList<>();
        for (LogRecord r : records) {
            if (r.unikernel().equals(name) && filter.matches(r)) {
                out.add(r);
            }
        }
        return out;
    }

    @Override
    public Subscription follow(String name, LogFilter filter, Consumer<LogRecord> consumer) {
        Consumer<LogRecord> f = r -> {
            if ((name == null || r.unikernel().equals(name)) && filter.matches(r)) {
                consumer.accept(r);
            }
        };
        followers.add(f);
        return () -> followers.remove(f);
    }

    @Override
    public LogStats stats(String name) {
        return LogStats.ZERO;
    }

    @Override
    public List<String> senders() {
        return records.stream().map(LogRecord::unikernel).distinct().toList();
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            eventLog.add("hub closed");
        }
    }

    /** Messages of MONITOR records of {@code name} carrying attribute event={@code event}. */
    List<String> monitorEvents(String name) {
        List<String> out = new ArrayList<>();
        for (LogRecord r : records) {
            if (r.unikernel().equals(name) && r.origin() == LogOrigin.MONITOR) {
                out.add(r.attribute("event").map(v -> v.render()).orElse("?"));
            }
        }
        return out;
    }

    List<String> console(String name) {
        return records.stream().filter(r -> r.unikernel().equals(name) && r.origin() == LogOrigin.CONSOLE)
                .map(LogRecord::message).toList();
    }

    static boolean sameName(LogRecord r, String name) {
        return Objects.equals(r.unikernel(), name);
    }
}
