package io.umonitor.core.internal.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.umonitor.core.gateway.GatewayOptions;
import io.umonitor.core.internal.log.LogHub;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Who may connect: every way a guest or viewer identifies itself, and every refusal, without sockets. */
class GatewayHandshakeTest {
    private static final String TOKEN = "00112233445566778899aabbccddeeff";
    private static final String VIEWER = "viewer-token-0123456789";
    private DefaultInvocationGateway gateway;

    @BeforeEach
    void start() {
        // A hub is only needed by viewers' subscriptions, which these checks never open.
        gateway = DefaultInvocationGateway.start(GatewayOptions.defaults().withWebPageAddress(null).withViewerToken(VIEWER),
                (LogHub) null);
        gateway.senderRegistered("web", TOKEN);
    }

    @AfterEach
    void close() {
        gateway.close();
    }

    private static GatewayRequest invoke(Map<String, List<String>> query, String nameHeader, String tokenHeader,
            String executorId) {
        return new GatewayRequest("/invoke", query, nameHeader, tokenHeader, executorId);
    }

    @Test
    void theRightNameAndTokenAreAcceptedInEveryForm() {
        assertNull(gateway.checkHandshake(invoke(Map.of("name", List.of("web"), "token", List.of(TOKEN)), "", "", ""), false));
        assertNull(gateway.checkHandshake(invoke(Map.of(), "web", TOKEN, ""), false));
        assertNull(gateway.checkHandshake(invoke(Map.of(), "", TOKEN, "web"), false), "iarnet's executor_id plus the token");
    }

    @Test
    void everythingElseIsRefusedWithAReasonThatNeverShowsTheToken() {
        List<String> refusals = List.of(
                gateway.checkHandshake(invoke(Map.of("name", List.of("web"), "token", List.of(TOKEN.replace('f', 'e'))), "", "", ""), false),
                gateway.checkHandshake(invoke(Map.of("name", List.of("web"), "token", List.of(TOKEN + "0")), "", "", ""), false),
                gateway.checkHandshake(invoke(Map.of("name", List.of("nobody"), "token", List.of(TOKEN)), "", "", ""), false),
                gateway.checkHandshake(invoke(Map.of("name", List.of("web")), "", "", ""), false),
                gateway.checkHandshake(invoke(Map.of(), "", "", "web"), false),
                gateway.checkHandshake(invoke(Map.of(), "", "", ""), false),
                gateway.checkHandshake(new GatewayRequest("/admin", Map.of(), "web", TOKEN, ""), true),
                gateway.checkHandshake(new GatewayRequest("/logs", Map.of("token", List.of(TOKEN)), "", "", ""), true),
                gateway.checkHandshake(new GatewayRequest("/logs", Map.of("token", List.of(VIEWER)), "", "", ""), false),
                gateway.checkHandshake(new GatewayRequest("/logs", Map.of("token", List.of(VIEWER), "level",
                        List.of("LOUD")), "", "", ""), true));
        for (String refusal : refusals) {
            assertTrue(refusal != null && !refusal.isBlank(), "refused with a reason: " + refusals);
            assertFalse(refusal.contains(TOKEN) || refusal.contains(VIEWER), refusal);
        }
        assertTrue(refusals.get(4).contains("no token"), refusals.get(4));
        assertTrue(refusals.get(9).contains("LOUD"), refusals.get(9));
        assertNull(gateway.checkHandshake(new GatewayRequest("/logs", Map.of("token", List.of(VIEWER), "level",
                List.of("warn")), "", "", ""), true));
    }

    @Test
    void aForgedNameCannotForgeALogLine() {
        String refusal = gateway.checkHandshake(invoke(Map.of("name", List.of("x\n[main] INFO forged\u001b[2J"),
                "token", List.of(TOKEN)), "", "", ""), false);
        assertFalse(refusal.chars().anyMatch(Character::isISOControl), refusal);
    }

    @Test
    void anUnregisteredUnikernelIsRefusedAndARestartReplacesTheToken() {
        gateway.senderRegistered("web", "ffeeddccbbaa99887766554433221100");
        assertTrue(gateway.checkHandshake(invoke(Map.of(), "web", TOKEN, ""), false).contains("wrong token"));
        gateway.senderUnregistered("web");
        assertTrue(gateway.checkHandshake(invoke(Map.of(), "web", "ffeeddccbbaa99887766554433221100", ""), false)
                .contains("not running"));
    }

    @Test
    void guestParametersPointAtTheLoopbackListenerWithoutATap() {
        assertEquals(Map.of("UMONITOR_WS", "ws://127.0.0.1:" + gateway.address().getPort() + "/invoke"),
                gateway.guestParameters("web", List.of()));
    }
}
