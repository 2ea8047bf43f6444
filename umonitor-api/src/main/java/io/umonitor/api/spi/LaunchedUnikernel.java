package io.umonitor.api.spi;

import io.umonitor.api.ExitInfo;
import java.time.Duration;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;

/**
 * A unikernel a backend has started: the backend's side of a running guest. The monitor wraps it in
 * the {@link io.umonitor.api.UnikernelHandle} platforms see. Thread-safe.
 *
 * @since 0.1
 */
public interface LaunchedUnikernel {

    /** Host process id of the tender, VMM or process, when there is one. */
    OptionalLong pid();

    /**
     * Completes once the guest has ended and its console has been read to the end, with the exit as
     * the backend classifies it ({@link ExitInfo#lastConsoleLines()} may be empty: the monitor fills
     * them in). Never completes exceptionally.
     */
    CompletableFuture<ExitInfo> exit();

    /**
     * Asks the guest to stop in an orderly way (signal, QMP powerdown) and kills it if it has not
     * ended after {@code grace}. Returns at once; {@link #exit()} tells when it has ended. Idempotent.
     */
    void stop(Duration grace);

    /** Kills the guest at once. Idempotent. */
    void kill();

    /** Facts for operators, e.g. {@code gdb} -> the command to attach a debugger. Empty by default. */
    default Map<String, String> details() {
        return Map.of();
    }
}
