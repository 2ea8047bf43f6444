package io.umonitor.examples.cli;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

/**
 * The packaged CLI in a real pseudo-terminal (util-linux {@code script}), for behaviour that depends on one:
 * Ctrl-C typed at the terminal becomes SIGINT for the terminal's foreground process group, exactly as for
 * a user; line editing and completion run against a real tty.
 */
final class CliTerminal implements AutoCloseable {
    private static final Pattern ANSI = Pattern.compile("\u001b\\[[0-9;?]*[A-Za-z]|\u001b[=>]|\r");
    private final Process process;
    private final OutputStream keys;
    private final StringBuilder screen = new StringBuilder();

    private CliTerminal(Process process) {
        this.process = process;
        this.keys = process.getOutputStream();
        Thread reader = new Thread(() -> {
            byte[] buf = new byte[4096];
            try (InputStream in = process.getInputStream()) {
                int n;
                while ((n = in.read(buf)) > 0) {
                    synchronized (screen) {
                        screen.append(new String(buf, 0, n, StandardCharsets.UTF_8));
                        screen.notifyAll();
                    }
                }
            } catch (IOException e) {
                // the terminal closed
            }
        }, "pty-reader");
        reader.setDaemon(true);
        reader.start();
    }

    static CliTerminal start(Path home, Path workingDirectory, String... args) throws IOException {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/script")), "util-linux `script` is needed for a pseudo-terminal");
        assertTrue(Files.exists(CliProcess.JAR), "target/umonitor.jar is built by `mvn package` before integration tests run");
        List<String> command = new ArrayList<>();
        command.add(quote(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        command.add("-jar");
        command.add(quote(CliProcess.JAR.toAbsolutePath().toString()));
        for (String a : args) {
            command.add(quote(a));
        }
        ProcessBuilder pb = new ProcessBuilder("/usr/bin/script", "-qfec",
                // A pseudo-terminal made without a terminal on stdin is 0x0; line editors need a size.
                "stty cols 200 rows 50; exec " + String.join(" ", command), "/dev/null")
                .directory(workingDirectory.toFile()).redirectErrorStream(true);
        pb.environment().put("UMONITOR_HOME", home.toString());
        pb.environment().put("TERM", "xterm");
        pb.environment().put("COLUMNS", "200");
        return new CliTerminal(pb.start());
    }

    private static String quote(String s) {
        return "'" + s.replace("'", "'\\''") + "'";
    }

    /** Types {@code text} (use \u0003 for Ctrl-C, \u0004 for Ctrl-D, \t for Tab, \r for Enter). */
    void type(String text) throws IOException {
        keys.write(text.getBytes(StandardCharsets.UTF_8));
        keys.flush();
    }

    /** What the terminal showed so far, without colours and cursor movements. */
    String screen() {
        synchronized (screen) {
            return ANSI.matcher(screen).replaceAll("");
        }
    }

    /** Waits until the screen contains {@code text} (after {@code from} characters), failing with the screen after {@code seconds}. */
    int await(String text, int from, int seconds) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        synchronized (screen) {
            while (true) {
                String s = screen();
                int at = s.indexOf(text, Math.min(from, s.length()));
                if (at >= 0) {
                    return at + text.length();
                }
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new AssertionError("the terminal did not show '" + text + "' within " + seconds + " s:\n" + s);
                }
                screen.wait(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
            }
        }
    }

    int await(String text, int seconds) throws InterruptedException {
        return await(text, 0, seconds);
    }

    boolean awaitExit(int seconds) throws InterruptedException {
        return process.waitFor(seconds, TimeUnit.SECONDS);
    }

    int exitCode() {
        return process.exitValue();
    }

    @Override
    public void close() {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
    }
}
