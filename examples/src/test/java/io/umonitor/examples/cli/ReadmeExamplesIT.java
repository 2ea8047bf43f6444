package io.umonitor.examples.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.umonitor.api.ExitClassification;
import io.umonitor.api.ExitInfo;
import io.umonitor.api.LogFilter;
import io.umonitor.api.LogLevel;
import io.umonitor.api.LogRecord;
import io.umonitor.api.RestartPolicy;
import io.umonitor.api.UnikernelHandle;
import io.umonitor.api.UnikernelSpec;
import io.umonitor.core.Monitor;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's `run` example and its embedding snippet, as written, on a machine where QEMU is installed
 * (where `run ./guest` once failed because two backends were usable and none was chosen).
 */
class ReadmeExamplesIT {
    private static final Path README = Path.of("..", "README.md");

    static boolean onPath(String tool) {
        return List.of(System.getenv("PATH").split(":")).stream().anyMatch(d -> Files.isExecutable(Path.of(d, tool)));
    }

    @BeforeAll
    static void qemuIsInstalled() {
        assumeTrue(onPath("qemu-system-x86_64"), "these tests prove the backend choice where QEMU is also usable: apt-get install qemu-system-x86");
    }

    @Test
    void theReadmesRunExampleWorksAsWritten(@TempDir Path dir) throws Exception {
        String readme = Files.readString(README, StandardCharsets.UTF_8);
        Matcher block = Pattern.compile("(?s)<!-- readme-run-example:[^>]*-->\\s*```sh\\n(.*?)```").matcher(readme);
        assertTrue(block.find(), "the README marks its run example");
        String script = block.group(1).replace("java -jar examples/target/umonitor.jar",
                "'" + Path.of(System.getProperty("java.home"), "bin", "java") + "' -jar '" + CliProcess.JAR.toAbsolutePath() + "'");
        Path home = dir.resolve("home");
        ProcessBuilder pb = new ProcessBuilder("sh", "-ec", script).directory(dir.toFile()).redirectErrorStream(true);
        pb.environment().put("UMONITOR_HOME", home.toString());
        Process sh = pb.start();
        sh.getOutputStream().close();
        String out = new String(sh.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(sh.waitFor(120, TimeUnit.SECONDS));
        assertEquals(0, sh.exitValue(), "every line of the README's example succeeds:\n" + out);
        assertTrue(out.contains("launched with backend 'process'"), out);
        assertTrue(out.contains("hello from a guest"), out);
        assertTrue(out.contains("hello-guest ended: exited normally (exit 0, NORMAL)"), out);
        // `logs --since 10m` showed the same guest line again, read from the file.
        assertEquals(2, out.split("hello from a guest", -1).length - 1, out);
        assertTrue(Files.exists(home.resolve("logs").resolve("hello-guest.log")), "the guest's log file is in UMONITOR_HOME");
    }

    @Test
    void theReadmesEmbeddingSnippetChoosesTheBackendFromTheImage(@TempDir Path dir) throws Exception {
        Path web = dir.resolve("build").resolve("web");
        Files.createDirectories(web.getParent());
        Files.writeString(web, "#!/bin/sh\necho serving\nexit 0\n");
        web.toFile().setExecutable(true);
        List<LogRecord> seen = new CopyOnWriteArrayList<>();
        // As in the README (System.out::println replaced by a list the test can read), with its state in dir.
        try (Monitor monitor = Monitor.builder().stateDirectory(dir.resolve("state")).property("file.directory",
                dir.resolve("logs").toString()).build()) {
            assertTrue(monitor.backends().get("qemu").isUsable(), "QEMU is usable too: " + monitor.backends());
            UnikernelHandle handle = monitor.launch(UnikernelSpec.builder("web", web)
                    .restartPolicy(RestartPolicy.onFailure(3, Duration.ofSeconds(1), Duration.ofSeconds(30)))
                    .build());
            monitor.follow("web", LogFilter.atLeast(LogLevel.INFO), seen::add);
            ExitInfo end = handle.termination().join();
            assertEquals("process", handle.backendId());
            assertEquals(ExitClassification.NORMAL, end.classification(), end.toString());
        }
    }
}
