package io.umonitor.core.internal.collect;

import io.umonitor.api.LogOrigin;
import io.umonitor.api.LogRecord;
import io.umonitor.api.ProtocolException;
import io.umonitor.api.RejectReason;
import io.umonitor.core.internal.log.SenderState;
import io.umonitor.core.internal.log.Sequences;
import io.umonitor.protocol.Datagram;
import io.umonitor.protocol.DatagramDecoder;
import io.umonitor.protocol.Frame;
import io.umonitor.protocol.FrameDecoder;
import io.umonitor.protocol.Goodbye;
import io.umonitor.protocol.Hello;
import io.umonitor.protocol.RecordFrame;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The UDP collector: one thread, one selector over every bound address. A datagram is validated
 * whole before any of it is used; a bad one is dropped and counted. UDP has no flow control, so
 * records over a sender's rate limit or beyond the sinks' queues are dropped and counted, and
 * sequence gaps tell what the network lost.
 */
public final class UdpCollector implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(UdpCollector.class);
    private static final int MAX_DATAGRAM = 65_535;
    private static final int MAX_BATCH = 4096;

    private final Ingest ingest;
    private final int maxFrameLength;
    private final int receiveBufferBytes;
    private final DatagramDecoder decoder;
    private final Selector selector;
    private final Thread thread;
    private final SelectorTasks tasks;
    private final Map<InetSocketAddress, DatagramChannel> channels = new ConcurrentHashMap<>();
    private final ByteBuffer buffer = ByteBuffer.allocate(MAX_DATAGRAM);
    private volatile boolean closing;
    private ArrayList<LogRecord> round = new ArrayList<>(1024);
    private volatile long failures;
    private volatile boolean broken;

    /** Rounds that failed and were skipped. */
    public long failures() {
        return failures;
    }

    /** True once the collector stopped for good after failing round after round. */
    public boolean broken() {
        return broken;
    }

    public UdpCollector(Ingest ingest, int maxFrameLength, int receiveBufferBytes) {
        this.ingest = ingest;
        this.maxFrameLength = maxFrameLength;
        this.receiveBufferBytes = receiveBufferBytes;
        this.decoder = new DatagramDecoder(maxFrameLength);
        this.tasks = SelectorTasks.open("UDP log collector");
        this.selector = tasks.selector();
        this.thread = SelectorTasks.startThread(this::run, "umonitor-collect-udp");
    }

    /** Binds and starts receiving on {@code address}; returns the bound address (port 0 resolved). */
    public InetSocketAddress listen(InetSocketAddress address) throws IOException {
        return tasks.listen(DatagramChannel.open(), channel -> {
            if (receiveBufferBytes > 0) {
                channel.setOption(StandardSocketOptions.SO_RCVBUF, receiveBufferBytes);
            }
            channel.bind(address);
        }, SelectionKey.OP_READ, channels);
    }

    public void stopListening(InetAddress address) {
        tasks.stopListening(channels, address);
    }

    private void run() {
        try {
            int failuresInARow = 0;
            while (!closing) {
                try {
                    tasks.runPending();
                    selector.select(this::drain, 500);
                    dispatchRound();
                    failuresInARow = 0;
                } catch (RuntimeException | Error e) {
                    // One bad round (a datagram that broke a decoder, a short OutOfMemoryError) costs that round's
                    // records, not the collector; only a failure that repeats round after round stops it.
                    failures++;
                    if (++failuresInARow >= 100) {
                        throw e;
                    }
                    LOG.error("a round of the UDP log collector failed ({} in a row); it carries on", failuresInARow, e);
                    round = new ArrayList<>(1024);
                }
            }
            // Take what is already queued in the sockets before closing.
            for (DatagramChannel channel : channels.values()) {
                receiveAll(channel);
            }
            dispatchRound();
        } catch (IOException | RuntimeException | Error e) {
            broken = true;
            LOG.error("the UDP log collector failed; UDP log collection has stopped and this monitor is broken", e);
        } finally {
            tasks.runPending();
            for (DatagramChannel channel : channels.values()) {
                try {
                    channel.close();
                } catch (IOException ignored) {
                    // closing anyway
                }
            }
            try {
                selector.close();
            } catch (IOException ignored) {
                // closing anyway
            }
        }
    }

    private void drain(SelectionKey key) {
        if (key.isValid() && key.isReadable()) {
            receiveAll((DatagramChannel) key.attachment());
        }
    }

    private void receiveAll(DatagramChannel channel) {
        Instant now = Instant.now();
        for (int i = 0; i < MAX_BATCH; i++) {
            buffer.clear();
            SocketAddress from;
            try {
                from = channel.receive(buffer);
            } catch (IOException e) {
                LOG.debug("receiving a UDP log datagram failed", e);
                return;
            }
            if (from == null) {
                return;
            }
            buffer.flip();
            datagram(from, now);
            if (round.size() >= MAX_BATCH) {
                dispatchRound();
            }
        }
    }

    private void datagram(SocketAddress from, Instant receivedAt) {
        Datagram datagram;
        int start0 = buffer.position();
        try {
            datagram = decoder.decode(buffer);
        } catch (ProtocolException e) {
            rejectBadDatagram(buffer.position(start0), from, Ingest.codeOf(e), Ingest.describe(e));
            return;
        } catch (RuntimeException e) {
            rejectBadDatagram(buffer.position(start0), from, RejectReason.OTHER, "the decoder failed: " + e);
            return;
        }
        Hello hello = datagram.hello();
        SenderState sender = ingest.authenticate(hello, LogOrigin.UDP, from);
        if (sender == null) {
            return;
        }
        Sequences sequences = sender.session(hello.session());
        io.umonitor.api.LaunchIdentity launch = sender.launch();
        int start = round.size();
        for (Frame frame : datagram.frames()) {
            if (frame instanceof RecordFrame r) {
                round.add(new LogRecord(sender.name(), LogOrigin.UDP, true, r.sequence(), r.clock(), r.timestampNanos(),
                        receivedAt, r.level(), r.logger(), r.message(), r.attributes(), launch));
            } else if (frame instanceof Goodbye goodbye) {
                sender.lost(sequences.goodbye(goodbye.produced()));
            }
        }
        int end = round.size();
        if (end == start) {
            return;
        }
        sender.received(end - start);
        sender.lost(sequences.observe(round, start, end));
        TokenBucket limit = sender.rateLimit();
        if (limit != null && !limit.tryTake(end - start)) {
            sender.dropped(end - start);
            round.subList(start, end).clear();
            return;
        }
        sender.append(round, start, end);
    }

    /** Attributes a bad datagram to its sender when its HELLO at least is intact and authentic. */
    private void rejectBadDatagram(ByteBuffer datagram, SocketAddress from, RejectReason code, String reason) {
        SocketAddress peer = from;
        Frame first = null;
        try {
            first = new FrameDecoder(maxFrameLength).decode(datagram);
        } catch (RuntimeException ignored) {
            // the HELLO itself is broken: nobody to attribute it to
        }
        if (first instanceof Hello hello) {
            SenderState sender = ingest.authenticate(hello, LogOrigin.UDP, peer);
            if (sender != null) {
                ingest.rejected(sender, LogOrigin.UDP, peer, code, "datagram dropped: " + reason);
            }
            return;
        }
        ingest.rejectedUnattributed(LogOrigin.UDP, peer, "datagram dropped: " + reason);
    }

    private void dispatchRound() {
        if (!round.isEmpty()) {
            ArrayList<LogRecord> batch = round;
            round = new ArrayList<>(Math.max(16, batch.size())); // sized like this round (see TcpCollector)
            ingest.dispatch(batch, false);
        }
    }

    @Override
    public void close() {
        closing = true;
        selector.wakeup();
        try {
            thread.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
