package io.umonitor.core.internal.collect;

import io.umonitor.api.LogFilter;
import io.umonitor.api.LogRecord;
import io.umonitor.api.LogStats;
import io.umonitor.api.Subscription;
import io.umonitor.api.CollectorEndpoint;
import io.umonitor.api.spi.GuestOutput;
import io.umonitor.core.internal.log.LogHub;
import java.net.InetAddress;
import java.util.List;
import java.util.function.Consumer;

/** A hub that passes every call on; a {@link CollectorExtension} overrides what it must also see. */
public abstract class ForwardingLogHub implements LogHub {
    protected final LogHub delegate;

    protected ForwardingLogHub(LogHub delegate) {
        this.delegate = delegate;
    }

    @Override
    public void registerSender(String name, String token) {
        delegate.registerSender(name, token);
    }

    @Override
    public void registerSender(String name, String token, io.umonitor.api.LaunchIdentity launch) {
        delegate.registerSender(name, token, launch);
    }

    @Override
    public void unregisterSender(String name) {
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
        return delegate.listenOn(hostAddress, networkDevice);
    }

    @Override
    public void stopListeningOn(InetAddress hostAddress) {
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
    public Subscription follow(String name, LogFilter filter, Consumer<LogRecord> consumer) {
        return delegate.follow(name, filter, consumer);
    }

    @Override
    public LogStats stats(String name) {
        return delegate.stats(name);
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
    public List<String> senders() {
        return delegate.senders();
    }

    @Override
    public void close() {
        delegate.close();
    }
}
