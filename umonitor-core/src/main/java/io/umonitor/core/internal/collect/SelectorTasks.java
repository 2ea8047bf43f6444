package io.umonitor.core.internal.collect;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.NetworkChannel;
import java.nio.channels.SelectableChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Registration changes that other threads ask of a collector's selector. A selector's key set may only
 * change safely on its own thread, so callers queue a task and wake the selector. The selector runs
 * queued tasks between selects and also while it waits for sink room, so how fast a sink is never
 * decides whether a launch can add or remove a listening address.
 */
final class SelectorTasks {
    private static final Logger LOG = LoggerFactory.getLogger(SelectorTasks.class);

    interface Task {
        Object run() throws IOException;
    }

    private final Selector selector;
    private final String collector;
    private final ConcurrentLinkedQueue<Runnable> tasks = new ConcurrentLinkedQueue<>();
    /** Only the selector thread touches it. */
    private boolean withinSelect;

    /** @param collector names the collector in errors, e.g. "TCP log collector" */
    SelectorTasks(Selector selector, String collector) {
        this.selector = selector;
        this.collector = collector;
    }

    /**
     * Queues {@code task} for the selector thread and returns at once. For registering a channel the
     * caller has already bound: the kernel queues connections meanwhile, so nobody needs to wait.
     */
    void submit(Task task) {
        tasks.add(() -> {
            try {
                task.run();
            } catch (ClosedChannelException e) {
                // Stopped listening before the selector got to it: nothing to register.
            } catch (IOException | RuntimeException e) {
                LOG.warn("the {} could not start selecting a listener: {}", collector, e.toString());
            }
        });
        selector.wakeup();
    }

    /** Opens the selector of the collector named {@code collector} in errors, e.g. "TCP log collector". */
    static SelectorTasks open(String collector) {
        try {
            return new SelectorTasks(Selector.open(), collector);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open a selector for the " + collector, e);
        }
    }

    /** Starts a collector's selector thread (a daemon: collection must not keep the JVM alive). */
    static Thread startThread(Runnable run, String name) {
        Thread thread = new Thread(run, name);
        thread.setDaemon(true);
        thread.start();
        return thread;
    }

    Selector selector() {
        return selector;
    }

    /** Sets up and binds a new listening channel. */
    interface Binder<C> {
        void bind(C channel) throws IOException;
    }

    /**
     * Binds {@code channel} on the caller's thread (so a bind error reaches the caller), queues its
     * registration for {@code ops} with the channel as attachment, and records it in {@code listeners};
     * closes it on failure. Returns the bound address (port 0 resolved).
     */
    <C extends SelectableChannel & NetworkChannel> InetSocketAddress listen(C channel, Binder<C> binder, int ops,
            Map<InetSocketAddress, C> listeners) throws IOException {
        try {
            binder.bind(channel);
            channel.configureBlocking(false);
            InetSocketAddress bound = (InetSocketAddress) channel.getLocalAddress();
            submit(() -> channel.register(selector, ops, channel));
            listeners.put(bound, channel);
            return bound;
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
    }

    /** Runs {@code task} on the selector thread and waits for it (10 s at most). */
    void call(Task task) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        tasks.add(() -> {
            try {
                task.run();
                done.complete(null);
            } catch (IOException | RuntimeException e) {
                done.completeExceptionally(e);
            }
        });
        selector.wakeup();
        try {
            done.get(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while changing the listeners of the " + collector, e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof IOException io) {
                throw new UncheckedIOException(io);
            }
            throw new IllegalStateException(e.getCause());
        } catch (TimeoutException e) {
            throw new IllegalStateException("the " + collector + " did not answer within 10 s", e);
        }
    }

    /** Stops selecting {@code channel} and closes it, on the selector thread. */
    private void cancelAndClose(SelectableChannel channel) {
        call(() -> {
            SelectionKey key = channel.keyFor(selector);
            if (key != null) {
                key.cancel();
                // A channel closed while registered keeps its descriptor (a listener goes on accepting) until
                // the selector deregisters the cancelled key in a selection: between selects, deregister it now
                // (readiness is level-triggered, so a channel ready now is reported again by the next select).
                // Within a select (a round waiting for sink room) that is not allowed; the descriptor then
                // closes at the collector's next select.
                if (!withinSelect) {
                    selector.selectNow(ready -> { });
                }
            }
            channel.close();
            return null;
        });
    }

    /**
     * Stops listening on every address of {@code listeners} whose host is {@code address}: removes it and
     * cancels and closes its channel on the selector thread. Connections accepted from it stay.
     */
    <C extends SelectableChannel> void stopListening(Map<InetSocketAddress, C> listeners, InetAddress address) {
        listeners.entrySet().removeIf(e -> {
            if (!e.getKey().getAddress().equals(address)) {
                return false;
            }
            cancelAndClose(e.getValue());
            return true;
        });
    }

    /** Runs what other threads queued; called by the selector thread between selects and at shutdown. */
    void runPending() {
        Runnable task;
        while ((task = tasks.poll()) != null) {
            task.run();
        }
    }

    /** {@link #runPending()} from within a select, e.g. while a round waits for sink room. */
    void runPendingWithinSelect() {
        withinSelect = true;
        try {
            runPending();
        } finally {
            withinSelect = false;
        }
    }
}
