package io.umonitor.core.internal.log;

import io.umonitor.testkit.RecordingSink;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.umonitor.api.ConfigurationException;
import io.umonitor.api.LogOrigin;
import io.umonitor.api.CollectorEndpoint.Transport;
import io.umonitor.protocol.FrameEncoder;
import io.umonitor.protocol.Goodbye;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Where a token cannot be hidden (a Solo5 tender's command line), it is bound to the first session that uses
 * it: a copy presented by anyone else's session is refused and counted. And attach mode without a token is
 * refused on an address other hosts can reach, while the endpoints handed out are usable addresses.
 */
@Timeout(30)
class TokenBindingTest {
    private static final Duration WAIT = Duration.ofSeconds(10);

    private static void send(InetSocketAddress to, String name, String token, long session, int records)
            throws Exception {
        FrameEncoder encoder = new FrameEncoder();
        try (Socket s = new Socket(to.getAddress(), to.getPort())) {
            OutputStream out = s.getOutputStream();
            out.write(encoder.encode(TestSenders.hello(name, token, session)));
            for (int i = 0; i < records; i++) {
                out.write(encoder.encode(TestSenders.record(i, name + " session " + session + " record " + i)));
            }
            out.write(encoder.encode(new Goodbye(records, 0, "done")));
            s.shutdownOutput();
            s.setSoTimeout(10_000);
            while (s.getInputStream().read() >= 0) {
                // until the collector closes
            }
        }
    }

    @Test
    void aCopiedTokenIsUselessToAnotherSessionWhileTheGuestItselfMayReconnect() throws Exception {
        RecordingSink sink = new RecordingSink("c");
        try (DefaultLogHub hub = DefaultLogHub.start(LogHubSettings.defaults(), List.of(sink))) {
            String token = String.format("%032x", 11);
            hub.registerSender("bound", token);
            hub.bindTokenToFirstSession("bound"); // as for a Solo5 guest, whose token is on the tender's command line
            InetSocketAddress to = TestSenders.endpoint(hub, Transport.TCP);
            send(to, "bound", token, 1001, 5);
            try {
                send(to, "bound", token, 666, 5); // the copied token, someone else's session
            } catch (java.io.IOException refused) {
                // the collector closed the connection after the HELLO, maybe while records were still being written
            }
            send(to, "bound", token, 1001, 5); // the guest reconnecting
            TestSenders.await("the guest's 10 records", WAIT, () -> sink.count("bound", LogOrigin.TCP) == 10);
            assertEquals(0, sink.records(r -> r.message().contains("session 666")).size(), "no forged record stored");
            assertEquals(1, hub.stats("bound").rejected(), "the forgery counted against the guest it targeted");
            assertEquals(java.util.Map.of(io.umonitor.api.RejectReason.TOKEN_BOUND, 1L),
                    hub.stats("bound").rejectedByReason(), "under its own reason");
            // A new launch gets a new token, and a new session may use it.
            hub.registerSender("bound", String.format("%032x", 12));
            hub.bindTokenToFirstSession("bound");
            send(to, "bound", String.format("%032x", 12), 2002, 3);
            TestSenders.await("the next run's records", WAIT, () -> sink.count("bound", LogOrigin.TCP) == 13);
        }
    }

    @Test
    void attachModeWithoutATokenIsRefusedOnAWildcardAddressAndEndpointsAreUsable() {
        LogHubSettings wildcard = LogHubSettings.defaults()
                .withTcpAddress(new InetSocketAddress("0.0.0.0", 0)).withUdpAddress(null);
        try (DefaultLogHub hub = DefaultLogHub.start(wildcard, List.of(new RecordingSink("c")))) {
            ConfigurationException e = assertThrows(ConfigurationException.class, () -> hub.acceptUnregisteredSenders(""));
            assertEquals(true, e.getMessage().contains("--token-file"), e.getMessage());
            hub.acceptUnregisteredSenders("a-token-for-attached-senders");
            InetSocketAddress endpoint = TestSenders.endpoint(hub, Transport.TCP);
            assertEquals(InetAddress.getLoopbackAddress(), endpoint.getAddress(), "0.0.0.0 is handed out as loopback");
            assertEquals("127.0.0.1:" + endpoint.getPort(), hub.loopbackEndpoints().get(0).hostAndPort());
        }
    }
}
