package io.umonitor.core.internal.gateway;

import io.umonitor.api.LogFilter;
import io.umonitor.api.LogRecord;
import io.umonitor.api.LogStats;
import io.umonitor.api.spi.CollectorEndpoint;
import io.umonitor.api.spi.GuestOutput;
import io.umonitor.core.internal.log.LogHub;
import java.net.InetAddress;
import java.util.List;
import java.util.function.Consumer;

/**
 * The monitor's hub with the gateway beside it: the gateway accepts exactly the senders the log collectors
 * accept (same name, same per-launch token, same lingering after an exit) and listens wherever they listen,
 * without the lifecycle half knowing about the gateway.
 */
public final class GatewayLogHub implements LogHub {
    private final LogHub delegate;
    private final DefaultInvocationGateway gateway;

    public GatewayLogHub(LogHub delegate, DefaultInvocationGateway gateway) {
        this.delegate = delegate;
        this.gateway = gateway;
    }

    @Override
    public void registerSender(String name, String token) {
        delegate.registerSender(name, token);
        gateway.register(name, token);
    }

    @Override
    public void bindTokenToFirstSession(String name) {
        delegate.bindTokenToFirstSession(name);
    }

    @Override
    public java.util.Map<String, Long> counters() {
        return delegate.counters();
    }

    @Override
    public void reopenFiles() {
        delegate.reopenFiles();
    }

    @Override
    public void unregisterSender(String name) {
        gateway.unregister(name);
        delegate.unregisterSender(name);
    }

    @Override
    public void acceptUnregisteredSenders(String token) {
        delegate.acceptUnregisteredSenders(token);
    }

    @Override
    public List<CollectorEndpoint> loopbackEndpoints() {
        return delegate.loopbackEndpoints();
    }

    @Override
    public List<CollectorEndpoint> listenOn(InetAddress hostAddress, String networkDevice) {
        List<CollectorEndpoint> endpoints = delegate.listenOn(hostAddress, networkDevice);
        gateway.listenOn(hostAddress);
        return endpoints;
    }

    @Override
    public void stopListeningOn(InetAddress hostAddress) {
        gateway.stopListeningOn(hostAddress);
        delegate.stopListeningOn(hostAddress);
    }

    @Override
    public void consoleLine(String name, GuestOutput.Stream stream, String line) {
        delegate.consoleLine(name, stream, line);
    }

    @Override
    public void consoleContinuation(String name, GuestOutput.Stream stream, String piece) {
        delegate.consoleContinuation(name, stream, piece);
    }

    @Override
    public void publish(LogRecord record) {
        delegate.publish(record);
    }

    @Override
    public List<LogRecord> history(String name, LogFilter filter) {
        return delegate.history(name, filter);
    }

    @Override
    public AutoCloseable follow(String name, LogFilter filter, Consumer<LogRecord> consumer) {
        return delegate.follow(name, filter, consumer);
    }

    @Override
    public LogStats stats(String name) {
        return delegate.stats(name);
    }

    @Override
    public List<String> senders() {
        return delegate.senders();
    }

    @Override
    public void close() {
        delegate.close();
    }
}
