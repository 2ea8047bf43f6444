package io.umonitor.kit.process;

import io.umonitor.api.spi.GuestOutput;
import io.umonitor.kit.process.SupervisedProcess.OutputConsumer;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Between the reader threads and the consumer: bounded by characters, so a stalled consumer costs
 * memory up to the capacity and then dropped (counted) lines, never a blocked child.
 */
final class LineQueue {

    private static final Logger LOG = LoggerFactory.getLogger(SupervisedProcess.class);
    private static final int READ_BUFFER_BYTES = 64 * 1024;

    private record Item(GuestOutput.Stream stream, String line, boolean continuation) {
    }

    private static final Item END = new Item(null, null, false);

    private ArrayDeque<Item> items = new ArrayDeque<>();
    private boolean deliveryWaiting;
    private final long capacityChars;
    private final OutputConsumer consumer;
    private final String label;
    private final Map<GuestOutput.Stream, AtomicLong> pendingDrops = new EnumMap<>(GuestOutput.Stream.class);
    private final AtomicLong droppedTotal = new AtomicLong();
    private final CompletableFuture<Void> delivered = new CompletableFuture<>();
    private final List<InputStream> streams = new ArrayList<>();
    private final AtomicLong queuedChars = new AtomicLong();
    private int openReaders;
    private boolean abandoned;

    /**
     * @param readers how many readers will feed the queue; counted up front, because a reader that
     *     ends before the next one starts must not look like the last one
     */
    LineQueue(long capacityChars, OutputConsumer consumer, String label, int readers) {
        this.capacityChars = capacityChars;
        this.openReaders = readers;
        this.consumer = consumer;
        this.label = label;
        for (GuestOutput.Stream s : GuestOutput.Stream.values()) {
            pendingDrops.put(s, new AtomicLong());
        }
    }

    CompletableFuture<Void> startReader(InputStream in, GuestOutput.Stream stream, int maxLineBytes, String name) {
        synchronized (this) {
            streams.add(in);
        }
        return ProcessThreads.start(name, () -> {
            LineSplitter splitter = new LineSplitter(maxLineBytes, line -> offer(stream, line, false),
                    piece -> offer(stream, piece, true));
            byte[] buffer = new byte[READ_BUFFER_BYTES];
            try (in) {
                int n;
                while ((n = in.read(buffer)) >= 0) {
                    splitter.feed(buffer, 0, n);
                }
            } catch (IOException e) {
                // The stream was closed under us (drain timeout) or the pipe broke: the end either way.
                LOG.debug("{}: {} ended with {}", label, stream, e.toString());
            } finally {
                splitter.finish();
                readerEnded();
            }
        });
    }

    void startDelivery(String name) {
        ProcessThreads.start(name, this::deliverUntilEnd);
    }

    long droppedTotal() {
        return droppedTotal.get();
    }

    CompletableFuture<Void> delivered() {
        return delivered;
    }

    /** After the drain timeout: stop waiting for readers that a descendant's open pipe keeps alive. */
    void abandonReaders() {
        synchronized (this) {
            if (openReaders == 0) {
                return;
            }
            abandoned = true;
            openReaders = 0;
            items.addLast(END);
            notifyAll();
        }
        for (InputStream in : streams) {
            try {
                in.close();
            } catch (IOException e) {
                LOG.debug("{}: closing an abandoned stream failed", label, e);
            }
        }
    }

    private synchronized void offer(GuestOutput.Stream stream, String line, boolean continuation) {
        if (abandoned) {
            return;
        }
        if (queuedChars.get() + line.length() > capacityChars && queuedChars.get() > 0) {
            pendingDrops.get(stream).incrementAndGet();
            droppedTotal.incrementAndGet();
            return;
        }
        queuedChars.addAndGet(line.length());
        items.addLast(new Item(stream, line, continuation));
        if (deliveryWaiting) {
            notifyAll();
        }
    }

    private synchronized void readerEnded() {
        if (abandoned) {
            return;
        }
        if (--openReaders == 0) {
            items.addLast(END);
            notifyAll();
        }
    }

    /** Takes everything queued at once, so the readers and the delivery meet once per batch, not per line. */
    private synchronized ArrayDeque<Item> takeAll() throws InterruptedException {
        while (items.isEmpty()) {
            deliveryWaiting = true;
            try {
                wait();
            } finally {
                deliveryWaiting = false;
            }
        }
        ArrayDeque<Item> batch = items;
        items = new ArrayDeque<>();
        return batch;
    }

    private void deliverUntilEnd() {
        try {
            while (true) {
                ArrayDeque<Item> batch;
                try {
                    batch = takeAll();
                } catch (InterruptedException e) {
                    continue;
                }
                for (Item item : batch) {
                    reportDrops();
                    if (item == END) {
                        return;
                    }
                    // Counted until handed over, so a stuck consumer holds at most the capacity.
                    queuedChars.addAndGet(-item.line().length());
                    try {
                        if (item.continuation()) {
                            consumer.continuation(item.stream(), item.line());
                        } else {
                            consumer.line(item.stream(), item.line());
                        }
                    } catch (RuntimeException e) {
                        LOG.warn("{}: output consumer failed on a {} line; continuing", label, item.stream(), e);
                    }
                }
            }
        } finally {
            delivered.complete(null);
        }
    }

    private void reportDrops() {
        for (Map.Entry<GuestOutput.Stream, AtomicLong> e : pendingDrops.entrySet()) {
            long count = e.getValue().getAndSet(0);
            if (count > 0) {
                try {
                    consumer.linesDropped(e.getKey(), count);
                } catch (RuntimeException ex) {
                    LOG.warn("{}: output consumer failed on a drop notice; continuing", label, ex);
                }
            }
        }
    }
}
