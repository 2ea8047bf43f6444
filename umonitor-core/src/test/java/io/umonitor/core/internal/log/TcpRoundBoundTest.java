package io.umonitor.core.internal.log;

import static io.umonitor.core.internal.log.TestSenders.endpoint;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.umonitor.api.LogRecord;
import io.umonitor.api.CollectorEndpoint.Transport;
import io.umonitor.api.spi.LogSink;
import io.umonitor.core.internal.collect.TcpCollector;
import io.umonitor.protocol.FrameEncoder;
import io.umonitor.protocol.Goodbye;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * Many busy TCP connections and a slow sink: the records waiting for the sink stay near the queue's
 * bound (plus one part-round), instead of one whole round over every connection piling up past it.
 */
class TcpRoundBoundTest {
    private static final int CONNECTIONS = 256;
    private static final int PER_CONNECTION = 400;
    private static final int CAPACITY = 1024;

    /** Counts records and takes a while over each, like a sink slower than the collector. */
    private static final class SlowCountingSink implements LogSink {
        final AtomicLong accepted = new AtomicLong();

        @Override
        public String id() {
            return "slow";
        }

        @Override
        public void accept(LogRecord record) {
            long end = System.nanoTime() + 10_000;
            while (System.nanoTime() < end) {
                Thread.onSpinWait();
            }
            accepted.incrementAndGet();
        }
    }

    @Test
    void queuedRecordsStayNearTheBoundWithManyBusyConnections() throws Exception {
        SlowCountingSink sink = new SlowCountingSink();
        DefaultLogHub hub = DefaultLogHub.start(LogHubSettings.defaults().withSinkQueueCapacity(CAPACITY)
                .withUdpAddress(null), List.of(sink));
        List<Socket> sockets = new ArrayList<>();
        try {
            hub.acceptUnregisteredSenders("");
            InetSocketAddress to = endpoint(hub, Transport.TCP);
            FrameEncoder encoder = new FrameEncoder();
            for (int c = 0; c < CONNECTIONS; c++) {
                String name = "busy-" + c;
                ByteArrayOutputStream bytes = new ByteArrayOutputStream();
                bytes.write(encoder.encode(TestSenders.hello(name, "", 1)));
                for (int i = 0; i < PER_CONNECTION; i++) {
                    bytes.write(encoder.encode(TestSenders.record(i, name + ":" + i)));
                }
                bytes.write(encoder.encode(new Goodbye(PER_CONNECTION, 0, "exit")));
                Socket socket = new Socket(to.getAddress(), to.getPort());
                sockets.add(socket);
                OutputStream out = socket.getOutputStream();
                out.write(bytes.toByteArray());   // fits in the loopback socket buffers: never blocks here
                out.flush();
            }
            long total = (long) CONNECTIONS * PER_CONNECTION;
            long maxWaiting = 0;
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (sink.accepted.get() < total && System.nanoTime() < deadline) {
                long received = 0;
                for (int c = 0; c < CONNECTIONS; c++) {
                    received += hub.stats("busy-" + c).received();
                }
                maxWaiting = Math.max(maxWaiting, received - sink.accepted.get());
                Thread.sleep(2);
            }
            assertEquals(total, sink.accepted.get(), "every record reaches the sink");
            // Waiting: the queue up to its mark plus one part-round handed over, the batch the sink is working
            // through (another part-round), and one read into the collector's shared buffer (64 KiB plus the
            // 64 KiB frame limit: about 2,600 of these 50-byte records). Without part-rounds one round over all
            // 256 connections alone could be 256 reads.
            long bound = CAPACITY + 2L * TcpCollector.MAX_ROUND_RECORDS + 2600;
            assertTrue(maxWaiting <= bound, "at most " + bound + " records wait for the sink, saw " + maxWaiting);
        } finally {
            for (Socket s : sockets) {
                s.close();
            }
            hub.close();
        }
    }
}
