package io.umonitor.core.internal.log;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import io.umonitor.api.LogOrigin;
import io.umonitor.api.LogRecord;
import io.umonitor.api.RejectReason;
import io.umonitor.core.internal.collect.Ingest;
import io.umonitor.core.internal.collect.TcpCollector;
import io.umonitor.protocol.FrameEncoder;
import io.umonitor.protocol.Goodbye;
import io.umonitor.protocol.Hello;
import java.io.BufferedOutputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * Sinks that stop taking records must not stop a launch: adding and removing a listening address (the
 * host side of a unikernel's tap) goes on while the TCP collector waits for sink room in the middle of
 * a round. The sinks are stood in for by an {@link Ingest} that reports "no room" from the first
 * part-round on, which is exactly what full sink queues report.
 */
class ListenWhileSinksFullTest {
    private static final int CONNECTIONS = 64;
    private static final int PER_CONNECTION = 3000;

    /** Room for flow-controlled input until a part-round arrives; then none until {@link #makeRoom}. */
    private static final class FillingIngest implements Ingest {
        final AtomicLong dispatched = new AtomicLong();
        final ConcurrentHashMap<String, SenderState> senders = new ConcurrentHashMap<>();
        volatile boolean full;
        volatile boolean partRoundSeen;

        @Override
        public SenderState authenticate(Hello hello, LogOrigin origin, Object peer) {
            return senders.computeIfAbsent(hello.name(), n -> new SenderState(n, 16, 0, new Follower[0]));
        }

        @Override
        public SenderState senderNamed(String name, boolean registeredOnly) {
            return senders.get(name);
        }

        @Override
        public void rejected(SenderState sender, LogOrigin origin, Object peer, RejectReason code, String reason) {
            throw new AssertionError("nothing is rejected here: " + reason);
        }

        @Override
        public void rejectedUnattributed(LogOrigin origin, Object peer, String reason) {
            throw new AssertionError("nothing is rejected here: " + reason);
        }

        @Override
        public void notice(SenderState sender, String message) {
            // A note for the sender's log (e.g. why a connection was closed); this test keeps no logs.
        }

        @Override
        public void dispatch(List<LogRecord> batch, boolean flowControlled) {
            dispatched.addAndGet(batch.size());
            if (batch.size() >= TcpCollector.MAX_ROUND_RECORDS && !partRoundSeen) {
                partRoundSeen = true;
                full = true;
            }
        }

        @Override
        public boolean awaitTcpRoom(long timeoutMillis) throws InterruptedException {
            if (full) {
                Thread.sleep(timeoutMillis);
            }
            return !full;
        }

        void makeRoom() {
            full = false;
        }
    }

    /**
     * Between rounds, with the sinks full, the collector runs queued listener changes but does not select: a
     * listener closed then kept its descriptor, and so went on accepting connections, until the sinks had room
     * again.
     */
    @Test
    void aStoppedAddressRefusesConnectionsAtOnceWhileTheSinksAreFull() throws Exception {
        FillingIngest ingest = new FillingIngest();
        ingest.full = true;
        TcpCollector collector = new TcpCollector(ingest, 65_535, 1024);
        try {
            InetAddress tapSide = InetAddress.getByName("127.0.93.2");
            InetSocketAddress bound = assertTimeoutPreemptively(Duration.ofSeconds(5),
                    () -> collector.listen(new InetSocketAddress(tapSide, 0)));
            assertTimeoutPreemptively(Duration.ofSeconds(5), () -> collector.stopListening(tapSide));
            try (Socket late = new Socket()) {
                assertThrows(ConnectException.class, () -> late.connect(bound, 2000),
                        "the stopped address still accepted a connection while the sinks were full");
            }
        } finally {
            ingest.makeRoom();
            collector.close();
        }
    }

    @Test
    void listeningOnATapAddressDoesNotWaitForSinkRoom() throws Exception {
        FillingIngest ingest = new FillingIngest();
        TcpCollector collector = new TcpCollector(ingest, 65_535, 1024);
        ExecutorService senders = Executors.newFixedThreadPool(CONNECTIONS);
        try {
            InetSocketAddress to = collector.listen(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            List<Future<?>> sent = new ArrayList<>();
            for (int c = 0; c < CONNECTIONS; c++) {
                String name = "flood-" + c;
                sent.add(senders.submit(() -> {
                    FrameEncoder encoder = new FrameEncoder();
                    try (Socket socket = new Socket(to.getAddress(), to.getPort())) {
                        OutputStream out = new BufferedOutputStream(socket.getOutputStream(), 64 * 1024);
                        out.write(encoder.encode(TestSenders.hello(name, "", 1)));
                        for (int i = 0; i < PER_CONNECTION; i++) {
                            out.write(encoder.encode(TestSenders.record(i, name + ":" + i)));
                        }
                        out.write(encoder.encode(new Goodbye(PER_CONNECTION, 0, "exit")));
                        out.flush();
                        socket.shutdownOutput();
                        socket.setSoTimeout(60_000);
                        while (socket.getInputStream().read() >= 0) {
                            // until the collector has read everything and closed its side
                        }
                    }
                    return null;
                }));
            }
            TestSenders.await("the collector waiting for sink room within a round", Duration.ofSeconds(30),
                    () -> ingest.partRoundSeen);

            InetAddress tapSide = InetAddress.getByName("127.0.93.1");
            InetSocketAddress bound = assertTimeoutPreemptively(Duration.ofSeconds(5),
                    () -> collector.listen(new InetSocketAddress(tapSide, 0)),
                    "listen must not wait for a collector that waits for the sinks");
            assertNotEquals(0, bound.getPort());
            assertTimeoutPreemptively(Duration.ofSeconds(5), () -> collector.stopListening(tapSide),
                    "stopListening must not wait for a collector that waits for the sinks");

            ingest.makeRoom();
            for (Future<?> f : sent) {
                f.get();
            }
            assertEquals((long) CONNECTIONS * PER_CONNECTION, ingest.dispatched.get(),
                    "every record handed on once the sinks have room again");
            // Stopped within a round, the listener's descriptor closes at the collector's next select, which
            // came while the senders were read to the end: the tap side no longer accepts connections.
            try (Socket late = new Socket()) {
                assertThrows(ConnectException.class, () -> late.connect(bound, 2000),
                        "the stopped address still accepted a connection after the round ended");
            }
        } finally {
            ingest.makeRoom();
            senders.shutdownNow();
            collector.close();
        }
    }
}
