package io.umonitor.examples.cli;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs the packaged {@code umonitor.jar} as a real process, the way a user does. */
final class CliProcess {
    static final Path JAR = Path.of("target", "umonitor.jar");

    private CliProcess() {
    }

    static Process start(Path home, Path output, String... args) throws IOException {
        return startIn(null, home, output, args);
    }

    static Process startIn(Path directory, Path home, Path output, String... args) throws IOException {
        return startIn(directory, home, null, output, args);
    }

    /** Runs with {@code path} as PATH (null: this JVM's), e.g. to hide an installed tool. */
    static Result runWithPath(Path home, String path, int seconds, String... args) throws IOException, InterruptedException {
        Path output = Files.createTempFile(home, "cli", ".out");
        Process p = startIn(null, home, path, output, args);
        if (!p.waitFor(seconds, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("umonitor " + String.join(" ", args) + " did not finish in " + seconds + " s:\n"
                    + Files.readString(output, StandardCharsets.UTF_8));
        }
        return new Result(p.exitValue(), Files.readString(output, StandardCharsets.UTF_8));
    }

    static Process startIn(Path directory, Path home, String path, Path output, String... args) throws IOException {
        assertTrue(Files.exists(JAR), "target/umonitor.jar is built by `mvn package` before integration tests run");
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-jar", JAR.toAbsolutePath().toString()));
        command.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(output.toFile());
        if (directory != null) {
            pb.directory(directory.toFile());
        }
        pb.environment().put("UMONITOR_HOME", home.toString());
        if (path != null) {
            pb.environment().put("PATH", path);
        }
        pb.environment().remove("TERM");
        return pb.start();
    }

    /** Runs to completion (at most {@code seconds}) and returns exit code and output. */
    static Result run(Path home, int seconds, String... args) throws IOException, InterruptedException {
        return runIn(null, home, seconds, args);
    }

    static Result runIn(Path directory, Path home, int seconds, String... args) throws IOException, InterruptedException {
        Files.createDirectories(home);
        Path output = Files.createTempFile(home, "cli", ".out");
        Process p = startIn(directory, home, output, args);
        if (!p.waitFor(seconds, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("umonitor " + String.join(" ", args) + " did not finish in " + seconds + " s:\n"
                    + Files.readString(output, StandardCharsets.UTF_8));
        }
        return new Result(p.exitValue(), Files.readString(output, StandardCharsets.UTF_8));
    }

    record Result(int exitCode, String output) {
    }
}
