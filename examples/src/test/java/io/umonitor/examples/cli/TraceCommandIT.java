package io.umonitor.examples.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Automatic function tracing as a user sees it: the C client's trace demo (compiled with
 * -finstrument-functions) runs under `umonitor run`, then `umonitor trace` prints one request's call tree
 * and `umonitor logs --image` names the functions.
 */
class TraceCommandIT {
    static final Path CLIENT = Path.of("..", "umonitor-log-protocol", "clients", "c").toAbsolutePath().normalize();
    static final Path DEMO = CLIENT.resolve("build/trace_demo");

    @BeforeAll
    static void buildTraceDemo() throws Exception {
        Process make;
        try {
            make = new ProcessBuilder("make", "-C", CLIENT.toString(), "programs").redirectErrorStream(true).start();
        } catch (java.io.IOException e) {
            assumeTrue(false, "make is needed to build the traced demo: apt-get install make gcc libc6-dev");
            return;
        }
        String output = new String(make.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(make.waitFor(120, TimeUnit.SECONDS));
        assertEquals(0, make.exitValue(), output);
    }

    @Test
    void traceShowsOneRequestsCallTreeWithSourceLines(@TempDir Path home) throws Exception {
        CliProcess.Result run = CliProcess.run(home, 60, "run", "--json-files", "--name", "tracer", "--backend", "process",
                DEMO.toString());
        assertEquals(0, run.exitCode(), run.output());

        CliProcess.Result tree = CliProcess.run(home, 30, "trace", "tracer", "--image", DEMO.toString(),
                "--function", "handle_request");
        assertEquals(0, tree.exitCode(), tree.output());
        String names = tree.output().replaceAll(" \\([^)]*\\)", "").replaceAll(" +[0-9.]+ ms", "");
        assertEquals("""
                handle_request
                  parse
                    leaf
                handle_request
                  parse
                    leaf
                """, names, "two requests, each parse -> leaf (trace_demo.c's known call graph):\n" + tree.output());
        assertTrue(tree.output().contains("handle_request (trace_demo.c:"), "source lines from addr2line:\n" + tree.output());

        CliProcess.Result logs = CliProcess.run(home, 30, "logs", "tracer", "--image", DEMO.toString(), "--grep", "trace.event");
        assertTrue(logs.output().contains("enter handle_request (trace_demo.c:"), logs.output());
        assertTrue(Files.exists(home.resolve("logs").resolve("tracer.jsonl")) || logs.output().contains("enter"), logs.output());
    }
}
