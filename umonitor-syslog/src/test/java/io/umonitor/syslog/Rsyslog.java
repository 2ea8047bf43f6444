package io.umonitor.syslog;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * A real rsyslogd in the foreground with its own configuration, pid file and work directory under a test
 * directory ({@code rsyslogd -n -f CONF -i PIDFILE}); never the system service.
 */
final class Rsyslog implements AutoCloseable {
    private final Path dir;
    private final Path conf;
    private Process process;

    Rsyslog(Path dir, String configuration) throws IOException {
        this.dir = dir;
        Files.createDirectories(dir.resolve("work"));
        this.conf = dir.resolve("rsyslog.conf");
        Files.writeString(conf, "global(workDirectory=\"" + dir.resolve("work") + "\")\n" + configuration);
    }

    static boolean installed() {
        return ExternalTools.exists("rsyslogd");
    }

    Rsyslog start() throws IOException {
        process = new ProcessBuilder("rsyslogd", "-n", "-f", conf.toString(), "-i", dir.resolve("rsyslogd.pid").toString())
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("rsyslogd.out").toFile()))
                .start();
        return this;
    }

    /** SIGTERM, then waits for it to end (rsyslog writes out its queue first). */
    void stop() throws InterruptedException {
        if (process != null && process.isAlive()) {
            process.destroy();
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        }
    }

    boolean isAlive() {
        return process != null && process.isAlive();
    }

    String output() throws IOException {
        Path out = dir.resolve("rsyslogd.out");
        return Files.exists(out) ? Files.readString(out, StandardCharsets.UTF_8) : "";
    }

    @Override
    public void close() throws InterruptedException {
        stop();
    }

    static void await(String what, Duration timeout, BooleanSupplier condition) throws InterruptedException {
        await(what, timeout, condition, () -> "");
    }

    static void await(String what, Duration timeout, BooleanSupplier condition,
            java.util.function.Supplier<String> state) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("timed out after " + timeout + " waiting for " + what + "; now: "
                        + state.get());
            }
            Thread.sleep(20);
        }
    }
}
