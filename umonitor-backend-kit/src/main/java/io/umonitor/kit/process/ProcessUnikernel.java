package io.umonitor.kit.process;

import io.umonitor.api.ExitInfo;
import io.umonitor.api.spi.LaunchedUnikernel;
import java.time.Duration;
import java.util.Objects;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

/**
 * A unikernel whose lifetime is one {@link SupervisedProcess} (a tender, a VMM, a Linux program): what a
 * backend returns from {@code launch} when stopping means signalling that process. The backend supplies
 * how a process end reads as a unikernel's exit; subclasses add {@link #details()}.
 *
 * @since 0.1
 */
public class ProcessUnikernel implements LaunchedUnikernel {
    /** The supervised process, for subclasses that report on it (resource use, liveness). */
    protected final SupervisedProcess process;
    private final CompletableFuture<ExitInfo> exit;

    /**
     * @param classifier turns the process's end into the unikernel's exit; runs once, after the console
     *     has been read to the end
     */
    public ProcessUnikernel(SupervisedProcess process, Function<ProcessExit, ExitInfo> classifier) {
        this.process = Objects.requireNonNull(process, "process");
        this.exit = process.exit().thenApply(classifier);
    }

    @Override
    public OptionalLong pid() {
        return OptionalLong.of(process.pid());
    }

    @Override
    public CompletableFuture<ExitInfo> exit() {
        return exit;
    }

    /** SIGTERM, then SIGKILL to the process, its process group and its descendants after {@code grace}. */
    @Override
    public void stop(Duration grace) {
        process.stop(grace);
    }

    @Override
    public void kill() {
        process.kill();
    }
}
