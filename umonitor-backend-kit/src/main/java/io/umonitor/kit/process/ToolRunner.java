package io.umonitor.kit.process;

import io.umonitor.api.spi.GuestOutput;
import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;

/**
 * Runs a short-lived host tool ({@code ip}, {@code solo5-elftool}, a tender's {@code --version},
 * {@code mirage}, {@code make}) to completion and collects its output. Long-running guests use
 * {@link SupervisedProcess} instead.
 *
 * <p>Both output streams are read on threads of their own while the caller waits for the process with
 * its timeout, so a tool that prints a lot never blocks on a full pipe and a tool that hangs (even one
 * that keeps its output open) is killed, with its descendants, when the timeout passes. Stdin is
 * {@code /dev/null}. Thread-safe; every call is independent.
 *
 * @since 0.1
 */
public final class ToolRunner {

    /** How a tool ended and what it printed, lines ending in {@code \n}. */
    public record Result(List<String> command, int exitCode, String stdout, String stderr) {
        public Result {
            command = List.copyOf(command);
        }

        public boolean ok() {
            return exitCode == 0;
        }

        /** Both streams, stripped, for error messages. */
        public String output() {
            return (stdout + stderr).strip();
        }

        /** The command as one line. */
        public String commandLine() {
            return String.join(" ", command);
        }
    }

    /** The tool did not finish within its timeout and was killed. */
    public static final class TimedOut extends IOException {
        private static final long serialVersionUID = 1L;

        TimedOut(String message) {
            super(message);
        }
    }

    private ToolRunner() {
    }

    /** Runs {@code command} in this JVM's directory and environment. */
    public static Result run(List<String> command, Duration timeout) throws IOException {
        return run(command, null, Map.of(), timeout, (stream, line) -> { });
    }

    /** Runs {@code command} in {@code directory} (null: this JVM's), handing each output line to {@code lines}. */
    public static Result run(List<String> command, Path directory, Duration timeout,
            BiConsumer<GuestOutput.Stream, String> lines) throws IOException {
        return run(command, directory, Map.of(), timeout, lines);
    }

    /**
     * @param directory the working directory, or null for this JVM's
     * @param environment variables set on top of this JVM's environment
     * @param lines receives every output line as it arrives, on a reader thread
     * @throws IOException when the tool cannot be started, or does not finish within {@code timeout}
     *     (it is killed then, with its descendants: {@link TimedOut}), or the calling thread is interrupted (likewise)
     */
    public static Result run(List<String> command, Path directory, Map<String, String> environment, Duration timeout,
            BiConsumer<GuestOutput.Stream, String> lines) throws IOException {
        Objects.requireNonNull(timeout, "timeout");
        ProcessBuilder builder = new ProcessBuilder(command).redirectInput(ProcessBuilder.Redirect.from(
                new File("/dev/null")));
        if (directory != null) {
            builder.directory(directory.toFile());
        }
        builder.environment().putAll(environment);
        Process process = builder.start();
        StringBuilder out = new StringBuilder();
        StringBuilder err = new StringBuilder();
        Thread outReader = reader(process.getInputStream(), out, GuestOutput.Stream.STDOUT, lines, command);
        Thread errReader = reader(process.getErrorStream(), err, GuestOutput.Stream.STDERR, lines, command);
        long deadline = System.nanoTime() + timeout.toNanos();
        try {
            if (!process.waitFor(timeout.toNanos(), TimeUnit.NANOSECONDS)) {
                killTree(process);
                throw new TimedOut("'" + String.join(" ", command) + "' did not finish within " + timeout
                        + " and was killed");
            }
            // A descendant may hold the pipes open after the tool itself ended: wait only until the deadline.
            outReader.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
            errReader.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
        } catch (InterruptedException e) {
            killTree(process);
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while running '" + String.join(" ", command) + "'", e);
        }
        synchronized (out) {
            synchronized (err) {
                return new Result(command, process.exitValue(), out.toString(), err.toString());
            }
        }
    }

    private static void killTree(Process process) {
        List<ProcessHandle> descendants = process.descendants().toList();
        process.destroyForcibly();
        descendants.forEach(ProcessHandle::destroyForcibly);
    }

    private static Thread reader(InputStream stream, StringBuilder sink, GuestOutput.Stream kind,
            BiConsumer<GuestOutput.Stream, String> lines, List<String> command) {
        String tool = Path.of(command.get(0)).getFileName().toString();
        Thread thread = new Thread(() -> {
            try (BufferedReader reader = new BufferedReader(new InputStreamReader(stream, StandardCharsets.UTF_8))) {
                String line;
                while ((line = reader.readLine()) != null) {
                    synchronized (sink) {
                        sink.append(line).append('\n');
                    }
                    lines.accept(kind, line);
                }
            } catch (IOException e) {
                // The pipe broke or was closed because the tool was killed: the output ends here either way.
            }
        }, "umonitor-tool-" + tool + "-" + kind.name().toLowerCase(Locale.ROOT));
        thread.setDaemon(true);
        thread.start();
        return thread;
    }
}
