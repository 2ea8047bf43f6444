package io.umonitor.core.internal.log;

import io.umonitor.testkit.RecordingSink;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.umonitor.api.LogOrigin;
import io.umonitor.api.CollectorEndpoint.Transport;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Attach mode forgets: one-shot sender names no longer fill the hub for good. Idle attached senders are
 * evicted after the set time, a launched guest's history is kept however idle, and new names get in again.
 */
@Timeout(60)
class AttachEvictionTest {
    private static final Duration WAIT = Duration.ofSeconds(20);

    @Test
    void idleAttachedSendersAreForgottenSoNewNamesGetInWhileLaunchedGuestsAreKept() throws Exception {
        HubLimits limits = HubLimits.defaults().withAttachedIdleEviction(Duration.ofMillis(300));
        LogHubSettings settings = LogHubSettings.defaults().withMaxSenders(5)
                .withReportInterval(Duration.ofMillis(100));
        RecordingSink sink = new RecordingSink("c");
        try (DefaultLogHub hub = DefaultLogHub.start(settings, limits, List.of(sink))) {
            hub.acceptUnregisteredSenders("");
            String token = String.format("%032x", 3);
            hub.registerSender("guest", token);
            InetSocketAddress to = TestSenders.endpoint(hub, Transport.TCP);
            TestSenders.sendTcp(to, "guest", token, 3);
            for (int i = 0; i < 4; i++) {
                TestSenders.sendTcp(to, "once-" + i, "", 2);
            }
            assertEquals(5, hub.senders().size(), hub.senders().toString());
            long refusedBefore = hub.unattributedRejections();
            TestSenders.sendTcp(to, "once-4", "", 2);
            assertEquals(refusedBefore + 1, hub.unattributedRejections(), "a sixth name is refused while all are kept");

            TestSenders.await("the idle attached senders forgotten", WAIT, () -> hub.senders().equals(List.of("guest")));
            assertEquals(3, hub.stats("guest").received(), "the launched guest's history and counters stay");
            assertEquals(3, hub.history("guest", io.umonitor.api.LogFilter.ALL).stream()
                    .filter(r -> r.origin() == LogOrigin.TCP).count());
            for (int i = 10; i < 30; i++) {
                TestSenders.sendTcp(to, "once-" + i, "", 2);
                int n = i;
                TestSenders.await("once-" + i + " kept", WAIT, () -> hub.stats("once-" + n).received() == 2);
                if (hub.senders().size() >= 5) {
                    TestSenders.await("room again", WAIT, () -> hub.senders().size() < 5);
                }
            }
            assertEquals(20 * 2, sink.records(r -> r.unikernel().matches("once-[12][0-9]"))
                    .stream().filter(r -> r.origin() == LogOrigin.TCP).count(), "every record of 20 later names stored");
            assertTrue(hub.senders().contains("guest"));
        }
    }
}
