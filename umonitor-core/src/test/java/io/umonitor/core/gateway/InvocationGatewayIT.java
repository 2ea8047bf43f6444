package io.umonitor.core.gateway;

import static io.umonitor.core.gateway.GatewayGuests.guest;
import static io.umonitor.core.gateway.GatewayGuests.waitFor;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.umonitor.api.UnikernelHandle;
import io.umonitor.core.Monitor;
import io.umonitor.core.gateway.GatewayGuests.RecordingClient;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The invocation gateway against real guest processes (a Java program using Java-WebSocket's client,
 * launched by the process backend, dialling the UMONITOR_WS it was given).
 */
@Timeout(60)
class InvocationGatewayIT {
    private static final Duration READY = Duration.ofSeconds(20);
    private static Monitor monitor;

    @BeforeAll
    static void startMonitor() {
        monitor = GatewayGuests.monitor();
    }

    @AfterAll
    static void closeMonitor() {
        if (monitor != null) {
            monitor.close();
        }
    }

    private static Invocations launchReady(String name, String mode) {
        monitor.launch(guest(name, mode).build());
        Invocations invocations = monitor.invocations(name);
        invocations.awaitReady(READY);
        return invocations;
    }

    private static InvocationException failureOf(CompletableFuture<?> future) throws InterruptedException {
        ExecutionException e = assertThrows(ExecutionException.class, () -> future.get(20, TimeUnit.SECONDS));
        assertTrue(e.getCause() instanceof InvocationException, "expected an InvocationException, got " + e.getCause());
        return (InvocationException) e.getCause();
    }

    @Test
    void twoHundredInvocationsInFlightComeBackToTheirCallers() throws Exception {
        Invocations guest = launchReady("many", "query");
        int n = 200;
        List<CompletableFuture<String>> futures = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            // Later requests are answered sooner, so replies arrive in a different order than requests.
            long delay = 400 + (n - i) * 2L;
            futures.add(guest.invoke("sleep", "{\"ms\":" + delay + ",\"value\":{\"i\":" + i + "}}", Duration.ofSeconds(30)));
        }
        int inFlight = guest.pending();
        assertTrue(inFlight >= 100, "at least 100 invocations in flight at once, found " + inFlight);
        for (int i = 0; i < n; i++) {
            assertEquals("{\"i\":" + i + "}", futures.get(i).get(20, TimeUnit.SECONDS), "reply of invocation " + i);
        }
        assertEquals(0, guest.pending());
        assertEquals("\"hi\"", guest.invoke("echo", "\"hi\"", Duration.ofSeconds(10)).get(10, TimeUnit.SECONDS));
    }

    @Test
    void anErrorReplyFailsTheInvocationWithTheGuestsText() throws Exception {
        Invocations guest = launchReady("failing", "query");
        InvocationException e = failureOf(guest.invoke("fail", "\"disk on fire\"", Duration.ofSeconds(10)));
        assertEquals(InvocationException.Reason.ERROR_REPLY, e.reason());
        assertTrue(e.getMessage().contains("disk on fire"), e.getMessage());
    }

    @Test
    void pendingInvocationsFailWithinASecondOfTheGuestExitingWithItsExitCodeAndConsole() throws Exception {
        Invocations guest = launchReady("exiting", "query");
        List<CompletableFuture<String>> pending = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            pending.add(guest.invoke("sleep", "{\"ms\":60000,\"value\":1}", Duration.ofSeconds(60)));
        }
        long exitAsked = System.nanoTime();
        pending.add(guest.invoke("exit", "7", Duration.ofSeconds(60)));
        CompletableFuture.allOf(pending.toArray(CompletableFuture[]::new)).handle((v, t) -> null).get(20, TimeUnit.SECONDS);
        long elapsedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - exitAsked);
        assertTrue(elapsedMs < 1000, "pending invocations failed " + elapsedMs + " ms after the guest was told to exit");
        for (CompletableFuture<String> f : pending) {
            InvocationException e = failureOf(f);
            assertEquals(InvocationException.Reason.EXITED, e.reason(), e.getMessage());
            assertEquals(7, e.exitInfo().orElseThrow().exitCode(), e.getMessage());
            assertTrue(e.getMessage().contains("exit code 7") && e.getMessage().contains("guest exiting with 7"),
                    e.getMessage());
        }
        System.out.println("pending invocations failed " + elapsedMs + " ms after the exit request");
        assertFalse(guest.isConnected());
        InvocationException notConnected = failureOf(guest.invoke("echo", "1", Duration.ofSeconds(5)));
        assertEquals(InvocationException.Reason.NOT_CONNECTED, notConnected.reason());
    }

    @Test
    void awaitReadyFailsEarlyWhenTheGuestExitsBeforeConnecting() {
        // The guest is given a gateway address where nothing listens, cannot connect and exits with 3.
        monitor.launch(guest("never-connects", "query").environment("UMONITOR_WS", "ws://127.0.0.1:1/invoke").build());
        long start = System.nanoTime();
        InvocationException e = assertThrows(InvocationException.class,
                () -> monitor.invocations("never-connects").awaitReady(Duration.ofSeconds(45)));
        long elapsedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        assertEquals(InvocationException.Reason.EXITED, e.reason(), e.getMessage());
        assertEquals(3, e.exitInfo().orElseThrow().exitCode());
        assertTrue(elapsedMs < 20_000, "awaitReady returned after " + elapsedMs + " ms");
    }

    @Test
    void clientsWithoutTheRightNameAndTokenAreRefusedAtTheHandshake() throws Exception {
        Invocations guest = launchReady("guarded", "query");
        URI invoke = monitor.gateway().orElseThrow().invokeUri();
        String wrong = "0123456789abcdef0123456789abcdef";
        List<RecordingClient> refused = List.of(
                new RecordingClient(URI.create(invoke + "?name=guarded&token=" + wrong), Map.of()),
                new RecordingClient(URI.create(invoke + "?name=nobody&token=" + wrong), Map.of()),
                new RecordingClient(URI.create(invoke + "?name=guarded"), Map.of()),
                new RecordingClient(invoke, Map.of("executor_id", "guarded")),
                new RecordingClient(invoke, Map.of("X-Umonitor-Name", "guarded", "X-Umonitor-Token", "")),
                new RecordingClient(URI.create(monitor.gateway().orElseThrow().logStreamUri().toString()
                        .replaceAll("token=.*", "token=" + wrong)), Map.of()));
        for (RecordingClient client : refused) {
            assertFalse(client.tryConnect(), "refused: " + client.getURI() + " " + client.getReadyState());
            client.closedWith.get(10, TimeUnit.SECONDS);
        }
        // The refused attempts did not disturb the real guest.
        assertTrue(guest.isConnected());
        assertEquals("1", guest.invoke("echo", "1", Duration.ofSeconds(10)).get(10, TimeUnit.SECONDS));
    }

    @Test
    void guestsMayIdentifyWithHeadersOrIarnetsExecutorIdPlusToken() throws Exception {
        Invocations headers = launchReady("by-headers", "headers");
        Invocations executor = launchReady("by-executor-id", "executor-id");
        assertEquals("[1]", headers.invoke("echo", "[1]", Duration.ofSeconds(10)).get(10, TimeUnit.SECONDS));
        assertEquals("[2]", executor.invoke("echo", "[2]", Duration.ofSeconds(10)).get(10, TimeUnit.SECONDS));
    }

    @Test
    void aGuestThatDisconnectsFailsItsPendingInvocationsAndMayReconnect() throws Exception {
        Invocations guest = launchReady("reconnecting", "query");
        CompletableFuture<String> slow = guest.invoke("sleep", "{\"ms\":60000,\"value\":1}", Duration.ofSeconds(60));
        long asked = System.nanoTime();
        guest.invoke("disconnect", "1500", Duration.ofSeconds(60));
        InvocationException e = failureOf(slow);
        long elapsedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - asked);
        assertEquals(InvocationException.Reason.DISCONNECTED, e.reason(), e.getMessage());
        assertTrue(elapsedMs < 1000, "failed " + elapsedMs + " ms after the disconnect");
        try {
            guest.awaitReady(READY);
        } catch (InvocationException notAgain) {
            throw new AssertionError(notAgain.getMessage() + "; guest log: " + monitor.logs("reconnecting",
                    io.umonitor.api.LogFilter.ALL).stream().map(r -> r.message()).toList(), notAgain);
        }
        assertEquals("\"again\"", guest.invoke("echo", "\"again\"", Duration.ofSeconds(10)).get(10, TimeUnit.SECONDS));
        UnikernelHandle handle = monitor.find("reconnecting").orElseThrow();
        assertEquals(0, handle.restarts(), "the process stayed up; only its connection was renewed");
    }

    @Test
    void aRestartedGuestConnectsAgainWithItsNewToken() throws Exception {
        monitor.launch(guest("phoenix", "query")
                .restartPolicy(io.umonitor.api.RestartPolicy.onFailure(1, Duration.ofMillis(100), Duration.ofMillis(100)))
                .build());
        Invocations guest = monitor.invocations("phoenix");
        guest.awaitReady(READY);
        CompletableFuture<String> pending = guest.invoke("sleep", "{\"ms\":60000,\"value\":1}", Duration.ofSeconds(60));
        guest.invoke("exit", "5", Duration.ofSeconds(60));
        assertEquals(InvocationException.Reason.EXITED, failureOf(pending).reason());
        UnikernelHandle handle = monitor.find("phoenix").orElseThrow();
        waitFor("the restart", Duration.ofSeconds(20), () -> handle.restarts() == 1
                && handle.state() == io.umonitor.api.UnikernelState.RUNNING);
        guest.awaitReady(READY);
        assertEquals("\"reborn\"", guest.invoke("echo", "\"reborn\"", Duration.ofSeconds(10)).get(10, TimeUnit.SECONDS));
    }

    @Test
    void aReplyAfterTheTimeoutIsCountedAndDropped() throws Exception {
        Invocations guest = launchReady("late", "query");
        InvocationException e = failureOf(guest.invoke("sleep", "{\"ms\":500,\"value\":1}", Duration.ofMillis(100)));
        assertEquals(InvocationException.Reason.TIMEOUT, e.reason());
        waitFor("the late reply to be counted", Duration.ofSeconds(10), () -> guest.lateReplies() == 1);
        assertEquals("2", guest.invoke("echo", "2", Duration.ofSeconds(10)).get(10, TimeUnit.SECONDS));
        assertEquals(1, guest.lateReplies());
    }
}
