package io.umonitor.api;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * A launched unikernel. Returned at once by the monitor's launch; the state then moves on by itself.
 * Thread-safe. {@link #close()} stops the unikernel and is idempotent.
 *
 * @since 0.1
 */
public interface UnikernelHandle extends AutoCloseable {

    String name();

    UnikernelSpec spec();

    /** Id of the backend that runs it. */
    String backendId();

    UnikernelState state();

    /** How many times the restart policy has restarted it. */
    int restarts();

    /** How the last run ended, once it has. */
    Optional<ExitInfo> exitInfo();

    /** The host side of its network devices, in the order of the spec. */
    List<ProvisionedNetwork> networks();

    /** Counters of its log stream across restarts. */
    LogStats logStats();

    /**
     * Completes when the unikernel has ended for good (no restart follows): with the last exit, or
     * with STOPPED information when stopped on request. Never completes exceptionally.
     */
    CompletableFuture<ExitInfo> termination();

    /** Stops it: an orderly stop, then a kill after {@code grace}. Returns once it has ended. */
    ExitInfo stop(Duration grace);

    /** Stops it with the monitor's default grace period. */
    ExitInfo stop();

    @Override
    default void close() {
        stop();
    }
}
