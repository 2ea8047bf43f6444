package io.umonitor.solo5;

import io.umonitor.api.spi.GuestOutput;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;

/**
 * Runs a short-lived tool (solo5-elftool, a tender's --version, mirage, make) to completion and collects
 * its output. Long-running guests use core's SupervisedProcess instead.
 */
final class ToolRunner {

    record Result(int exitCode, String stdout, String stderr) {
        /** Both streams, for error messages. */
        String output() {
            return (stdout + stderr).strip();
        }
    }

    private ToolRunner() {
    }

    static Result run(List<String> command, Duration timeout) throws IOException {
        return run(command, null, timeout, (s, l) -> { });
    }

    /**
     * @param lines receives every output line as it arrives, on a reader thread
     * @throws IOException when the tool cannot be started or does not finish within {@code timeout}
     *     (it is killed then)
     */
    static Result run(List<String> command, Path directory, Duration timeout,
            BiConsumer<GuestOutput.Stream, String> lines) throws IOException {
        ProcessBuilder builder = new ProcessBuilder(command).redirectInput(ProcessBuilder.Redirect.from(
                new java.io.File("/dev/null")));
        if (directory != null) {
            builder.directory(directory.toFile());
        }
        Process process = builder.start();
        StringBuilder out = new StringBuilder();
        StringBuilder err = new StringBuilder();
        Thread outReader = reader(process.getInputStream(), out, GuestOutput.Stream.STDOUT, lines, command);
        Thread errReader = reader(process.getErrorStream(), err, GuestOutput.Stream.STDERR, lines, command);
        try {
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly();
                throw new IOException("'" + String.join(" ", command) + "' did not finish within " + timeout
                        + " and was killed");
            }
            outReader.join(timeout.toMillis());
            errReader.join(timeout.toMillis());
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while running '" + String.join(" ", command) + "'", e);
        }
        synchronized (out) {
            synchronized (err) {
                return new Result(process.exitValue(), out.toString(), err.toString());
            }
        }
    }

    private static Thread reader(InputStream stream, StringBuilder sink, GuestOutput.Stream kind,
            BiConsumer<GuestOutput.Stream, String> lines, List<String> command) {
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
                throw new UncheckedIOException(e);
            }
        }, "umonitor-solo5-tool-" + kind.name().toLowerCase(java.util.Locale.ROOT) + "-" + command.get(0));
        thread.setDaemon(true);
        thread.start();
        return thread;
    }
}
