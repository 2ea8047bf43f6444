package io.umonitor.core.gateway;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/**
 * Calls into one unikernel through the monitor's {@link InvocationGateway}. Obtained from
 * {@link io.umonitor.core.Monitor#invocations(String)}; stays valid across the unikernel's restarts and
 * reconnects. Thread-safe.
 *
 * <p>Values are JSON text ({@code "42"}, {@code "{\"x\":1}"}, {@code "\"hi\""}), so platforms use the
 * JSON library they already have. The request the unikernel receives is one text message
 * <pre>{"corr_id":"7","topic":"TOPIC","value":VALUE}</pre>
 * and it answers with
 * <pre>{"corr_id":"7","topic":"TOPIC","value":RESULT,"error":null}</pre>
 * A non-null, non-empty {@code error} fails the invocation with {@link InvocationException.Reason#ERROR_REPLY}.
 * Many invocations may be in flight at once; replies may come in any order. A reply that comes after its
 * invocation timed out is counted ({@link #lateReplies()}) and dropped.
 *
 * <p>Futures complete on a gateway thread: chain blocking work with the {@code ...Async} methods.
 *
 * @since 0.1
 */
public interface Invocations {

    /** The unikernel's name. */
    String name();

    /**
     * Sends {@code jsonValue} on {@code topic} and completes with the reply's {@code value} as JSON text
     * ({@code "null"} when absent). Fails with an {@link InvocationException}: at once when the unikernel
     * is not connected; when the reply carries an error; after {@code timeout}; and, without waiting for
     * the timeout, as soon as the unikernel disconnects or exits (naming its exit code and last console lines).
     *
     * @throws io.umonitor.api.ConfigurationException when {@code jsonValue} is not JSON or the timeout is not positive
     */
    CompletableFuture<String> invoke(String topic, String jsonValue, Duration timeout);

    /**
     * Completes when the unikernel is connected (at once if it is), and fails with an
     * {@link InvocationException} when it ends first. Never times out by itself.
     */
    CompletableFuture<Void> ready();

    /**
     * Waits until the unikernel has connected.
     *
     * @throws InvocationException when it ends first (EXITED, with its exit information) or does not
     *     connect within {@code timeout} (TIMEOUT)
     */
    void awaitReady(Duration timeout);

    /** Whether the unikernel is connected now. */
    boolean isConnected();

    /** Invocations sent and not yet answered, failed or timed out. */
    int pending();

    /** Replies that arrived for no pending invocation (after their timeout, or unknown ids). */
    long lateReplies();
}
