package io.umonitor.testkit.example;

import io.umonitor.api.ExitClassification;
import io.umonitor.api.ExitInfo;
import io.umonitor.api.spi.GuestOutput;
import io.umonitor.api.spi.LaunchedUnikernel;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/** One running script of {@link ScriptBackend}: its console, its stop and how it ended. */
final class ScriptGuest implements LaunchedUnikernel {

    /** Signals a program raises itself when it crashes: SIGILL, SIGTRAP, SIGABRT, SIGBUS, SIGFPE, SIGSEGV. */
    private static final List<Integer> CRASH_SIGNALS = List.of(4, 5, 6, 7, 8, 11);

    private final Process process;
    private final AtomicBoolean stopRequested = new AtomicBoolean();
    private final CompletableFuture<ExitInfo> exit;

    ScriptGuest(Process process, GuestOutput output) {
        this.process = process;
        CompletableFuture<Void> stdout = read(process.getInputStream(), GuestOutput.Stream.STDOUT, output);
        CompletableFuture<Void> stderr = read(process.getErrorStream(), GuestOutput.Stream.STDERR, output);
        // The SPI's promise: exit() completes after the console has been read to the end.
        this.exit = process.onExit().thenCombine(CompletableFuture.allOf(stdout, stderr), (p, ignored) -> classify());
    }

    private static CompletableFuture<Void> read(InputStream in, GuestOutput.Stream stream, GuestOutput output) {
        return CompletableFuture.runAsync(() -> {
            try (BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
                for (String line; (line = reader.readLine()) != null; ) {
                    output.consoleLine(stream, line);
                }
            } catch (IOException e) {
                // the process is gone; what was read has been passed on
            }
        }, runnable -> new Thread(runnable, "script-console-" + stream).start());
    }

    /** Linux reports death by signal N as exit value 128 + N. */
    private ExitInfo classify() {
        int status = process.exitValue();
        int signal = status > 128 && status <= 128 + 64 ? status - 128 : 0;
        if (stopRequested.get()) {
            return ExitInfo.of(status, signal, ExitClassification.STOPPED, "stopped by umonitor");
        }
        if (signal == 0) {
            return status == 0 ? ExitInfo.of(0, 0, ExitClassification.NORMAL, "exited normally")
                    : ExitInfo.of(status, 0, ExitClassification.FAILURE, "exited with code " + status);
        }
        return CRASH_SIGNALS.contains(signal)
                ? ExitInfo.of(status, signal, ExitClassification.CRASH, "crashed with signal " + signal)
                : ExitInfo.of(status, signal, ExitClassification.KILLED, "killed by signal " + signal
                        + ", which umonitor did not send");
    }

    @Override
    public OptionalLong pid() {
        return OptionalLong.of(process.pid());
    }

    @Override
    public CompletableFuture<ExitInfo> exit() {
        return exit;
    }

    /** SIGTERM now, SIGKILL to the script and its children once {@code grace} has passed. */
    @Override
    public void stop(Duration grace) {
        if (exit.isDone() || !stopRequested.compareAndSet(false, true)) {
            return;
        }
        process.destroy();
        CompletableFuture.delayedExecutor(grace.toMillis(), TimeUnit.MILLISECONDS).execute(() -> {
            if (process.isAlive()) {
                kill();
            }
        });
    }

    @Override
    public void kill() {
        stopRequested.set(true);
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
    }
}
