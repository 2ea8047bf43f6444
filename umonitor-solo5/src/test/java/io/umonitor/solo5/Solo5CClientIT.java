package io.umonitor.solo5;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.umonitor.api.AttributeValue;
import io.umonitor.api.ExitClassification;
import io.umonitor.api.ExitInfo;
import io.umonitor.api.LogFilter;
import io.umonitor.api.LogLevel;
import io.umonitor.api.LogOrigin;
import io.umonitor.api.LogRecord;
import io.umonitor.api.UnikernelSpec;
import io.umonitor.core.Monitor;
import io.umonitor.kit.process.ToolRunner;
import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A C unikernel linked with umonitor's C client (umonitor-log-protocol/clients/c, built freestanding
 * with the Solo5 toolchain: its solo5_console demo) run by the Solo5 backend under the Monitor on spt:
 * the records it sends through its console arrive structured and attributed to the unikernel. (The
 * client's UDP transport over a tap is covered by umonitor-log-protocol's Solo5TransportIT.)
 */
class Solo5CClientIT {

    private static final Path CLIENT_SOURCES = Path.of("..", "umonitor-log-protocol", "clients", "c");
    private static final int COUNT = 5;

    @TempDir
    Path dir;

    private Path buildClientDemo(Path home) throws IOException, InterruptedException {
        assumeTrue(Files.isRegularFile(CLIENT_SOURCES.resolve("umonitor_solo5.c")),
                "the C client's Solo5 transport (" + CLIENT_SOURCES.resolve("umonitor_solo5.c") + ") is missing");
        Path copy = dir.resolve("c");
        Files.walkFileTree(CLIENT_SOURCES, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path d, BasicFileAttributes attrs) throws IOException {
                if (d.getFileName().toString().equals("build")) {
                    return FileVisitResult.SKIP_SUBTREE;
                }
                Files.createDirectories(copy.resolve(CLIENT_SOURCES.relativize(d).toString()));
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path f, BasicFileAttributes attrs) throws IOException {
                Files.copy(f, copy.resolve(CLIENT_SOURCES.relativize(f).toString()));
                return FileVisitResult.CONTINUE;
            }
        });
        ToolRunner.Result make = ToolRunner.run(List.of("make", "-C", copy.toString(), "solo5-demo",
                "SOLO5_HOME=" + home), null, Duration.ofSeconds(120), (s, l) -> { });
        assertEquals(0, make.exitCode(), "make solo5-demo failed: " + make.output());
        return copy.resolve("build/solo5_console.spt");
    }

    @Test
    void recordsFromTheCClientArriveAttributedToTheUnikernel() throws Exception {
        Solo5TestKernels.requireKernel("test_hello", Tender.SPT);
        Path home = Solo5TestKernels.home().orElseThrow();
        Path kernel = buildClientDemo(home);
        try (Monitor monitor = Monitor.builder().discoverProviders(false).backend(new Solo5Backend())
                .property("solo5.home", home.toString())
                .stateDirectory(dir.resolve("state")).workDirectory(dir.resolve("work")).build()) {
            // The demo reads a positional command line; umonitor's keys follow the spec arguments.
            ExitInfo exit = monitor.launch(UnikernelSpec.builder("c-client", kernel).backend("solo5")
                    .argument("console").argument(Integer.toString(COUNT)).build())
                    .termination().get(30, TimeUnit.SECONDS);
            List<LogRecord> logs = monitor.logs("c-client", LogFilter.ALL);
            logs.forEach(r -> System.out.println("[c-client] " + r.origin() + " " + r.level() + " " + r.sequence() + " "
                    + r.logger() + " | " + r.message() + " " + r.attributes()));
            assertEquals(ExitClassification.NORMAL, exit.classification(), exit.toString());
            // The C client's umon_* symbols mark the image as one that takes the --umonitor-* keys (issue 15).
            assertTrue(UmonitorClientSymbols.linkedInto(kernel), kernel + " links the C client");
            assertTrue(logs.stream().noneMatch(r -> r.message().contains("no --umonitor-* boot arguments")),
                    "the keys were passed: " + logs);
            List<LogRecord> records = logs.stream().filter(r -> r.message().startsWith("solo5 record ")).toList();
            assertEquals(COUNT, records.size(), logs.toString());
            for (int i = 0; i < COUNT; i++) {
                LogRecord r = records.get(i);
                assertEquals("c-client", r.unikernel());
                assertEquals(LogOrigin.CONSOLE, r.origin());
                assertEquals(LogLevel.INFO, r.level());
                assertEquals(i, r.sequence());
                assertEquals("solo5 record " + i + " \u00fc", r.message());
                assertEquals(Optional.of(AttributeValue.of(i)), r.attribute("i"));
                assertEquals(Optional.of(AttributeValue.of("solo5")), r.attribute("via"));
            }
            assertTrue(logs.stream().anyMatch(r -> r.message().equals("solo5_demo: logging")),
                    "ordinary console text stays text");
            // The RECORD frames are decoded; the hub keeps the console HELLO and GOODBYE frames as text.
            assertTrue(logs.stream().filter(r -> r.message().startsWith("@UM1:")).count() <= 2, logs.toString());
        }
    }
}
