package io.umonitor.core.internal.log;

import io.umonitor.api.spi.CollectorEndpoint.Transport;
import io.umonitor.protocol.FrameEncoder;
import io.umonitor.testkit.RecordingSink;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * For {@link ManySendersMemoryIT}, in a JVM with a small heap: a hub with default settings and one sink,
 * SENDERS connected TCP senders that each sent a HELLO and RECORDS records and stay connected. Prints
 * {@code HEAP BEFORE AFTER SENDERS} (bytes used after a full GC) and exits 0, or dies of OutOfMemoryError.
 *
 * <p>Arguments: senders, records per sender.
 */
public final class ManySendersMain {
    private ManySendersMain() {
    }

    private static long usedAfterGc() throws InterruptedException {
        for (int i = 0; i < 3; i++) {
            System.gc();
            Thread.sleep(50);
        }
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    public static void main(String[] args) throws Exception {
        int senders = Integer.parseInt(args[0]);
        int records = Integer.parseInt(args[1]);
        RecordingSink sink = new RecordingSink("count") {
            @Override
            public void accept(io.umonitor.api.LogRecord record) {
                // keep nothing: only the hub's own memory is measured
            }
        };
        DefaultLogHub hub = DefaultLogHub.start(DefaultLogHub.Settings.defaults(), List.of(sink));
        long before = usedAfterGc();
        InetSocketAddress to = TestSenders.endpoint(hub, Transport.TCP);
        FrameEncoder encoder = new FrameEncoder();
        List<Socket> sockets = new ArrayList<>();
        for (int i = 0; i < senders; i++) {
            String name = "many-" + i;
            String token = String.format("%032x", i);
            hub.registerSender(name, token);
            Socket socket = new Socket(to.getAddress(), to.getPort());
            OutputStream out = socket.getOutputStream();
            out.write(encoder.encode(TestSenders.hello(name, token, i)));
            for (int k = 0; k < records; k++) {
                out.write(encoder.encode(TestSenders.record(k, name + " record " + k + " with some text to store")));
            }
            out.flush();
            sockets.add(socket);
        }
        long expected = (long) senders * records;
        TestSenders.await("every record", Duration.ofSeconds(60), () -> {
            long received = 0;
            for (int i = 0; i < senders; i++) {
                received += hub.stats("many-" + i).received();
            }
            return received == expected;
        });
        long after = usedAfterGc();
        System.out.println("HEAP " + before + " " + after + " " + senders + " " + Runtime.getRuntime().maxMemory());
        System.out.flush();
        for (Socket s : sockets) {
            s.close();
        }
        hub.close();
        System.exit(0);
    }
}
