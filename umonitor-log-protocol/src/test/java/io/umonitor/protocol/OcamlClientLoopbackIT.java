package io.umonitor.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.umonitor.api.Attribute;
import io.umonitor.api.AttributeValue;
import io.umonitor.api.GuestClock;
import io.umonitor.api.LogLevel;
import io.umonitor.protocol.testing.LoopbackReceiver;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The OCaml client (clients/ocaml) end to end: real OCaml programs log through the umonitor Logs
 * reporter (its Lwt_unix instance) to a receiver on 127.0.0.1, over TCP, UDP and the console encoding,
 * and every record is checked as the Java codec decoded it: level mapping, logger from the Logs source,
 * message, tags as attributes, sequence numbers, HELLO and GOODBYE.
 */
class OcamlClientLoopbackIT {
    private static final Path CLIENT = Path.of("clients", "ocaml").toAbsolutePath();
    private static final Path DEMO = CLIENT.resolve("_build/default/examples/log_demo.exe");
    private static final String NAME = "ocaml-demo";
    private static final String TOKEN = "0123456789abcdef0123456789abcdef";
    private static final Duration WAIT = Duration.ofSeconds(20);

    /** What examples/log_demo.ml logs, in order. */
    private record Expected(LogLevel level, String logger, String message, List<Attribute> attributes) {}

    private static final List<Expected> SCRIPT = List.of(
            new Expected(LogLevel.INFO, "application", "application started", List.of()),
            new Expected(LogLevel.INFO, "demo.app", "request 7 served in 2.5 ms", List.of()),
            new Expected(LogLevel.WARN, "demo.app", "slow request",
                    List.of(new Attribute("user", AttributeValue.of("alice")), new Attribute("attempt", AttributeValue.of("3")))),
            new Expected(LogLevel.ERROR, "demo.db", "connection lost: timeout", List.of()),
            new Expected(LogLevel.DEBUG, "demo.db", "pool size 4", List.of()),
            new Expected(LogLevel.INFO, "demo.app", "unicode h\u00e9llo \u2713",
                    List.of(new Attribute("header", AttributeValue.of("hdr")))),
            new Expected(LogLevel.INFO, "demo.app", "bad byte \ufffd end", List.of()));

    @BeforeAll
    static void buildDemo() throws Exception {
        Assumptions.assumeTrue(dunePresent(), "the OCaml toolchain (dune) is not installed: install the OCaml "
                + "packages listed in .ci/packages.txt (ocaml-nox ocaml-dune liblogs-ocaml-dev ...) to run this test");
        Process build = new ProcessBuilder("dune", "build", "--root", CLIENT.toString(), "./examples/log_demo.exe")
                .redirectErrorStream(true).start();
        CompletableFuture<String> output = readAll(build.getInputStream());
        assertTrue(build.waitFor(5, TimeUnit.MINUTES), "dune build of the OCaml demo did not finish in 5 minutes");
        assertEquals(0, build.exitValue(), () -> "dune build of " + CLIENT + " failed:\n" + output.join());
        assertTrue(Files.isExecutable(DEMO), "dune built no " + DEMO);
    }

    @Test
    void recordsArriveOverTcp() throws Exception {
        try (LoopbackReceiver rx = LoopbackReceiver.tcp()) {
            runDemo("tcp", rx.port(), null);
            verify(rx);
            assertEquals(1, rx.hellos().size(), "one connection, one HELLO");
        }
    }

    @Test
    void recordsArriveOverUdp() throws Exception {
        try (LoopbackReceiver rx = LoopbackReceiver.udp()) {
            runDemo("udp", rx.port(), null);
            verify(rx);
            // Every datagram carries the HELLO: the demo's burst of records shares one, the GOODBYE has its own.
            assertEquals(2, rx.hellos().size(), "datagrams (one HELLO each)");
        }
    }

    @Test
    void recordsArriveOverTheConsole() throws Exception {
        try (LoopbackReceiver rx = LoopbackReceiver.console()) {
            runDemo("console", 0, rx);
            verify(rx);
            assertEquals(List.of("ordinary console text before the reporter"), rx.consoleText(),
                    "ordinary output stays console text");
        }
    }

    @Test
    void consoleBeforeTheNetworkThenTcpContinueOneSession() throws Exception {
        try (LoopbackReceiver console = LoopbackReceiver.console(); LoopbackReceiver tcp = LoopbackReceiver.tcp()) {
            runDemo("console+tcp", tcp.port(), console);
            List<RecordFrame> early = console.awaitRecords(1, WAIT);
            assertEquals(List.of(), console.errors(), "console protocol errors");
            assertEquals(1, early.size(), () -> "console records: " + early);
            assertEquals(0, early.get(0).sequence());
            assertEquals("network not up yet", early.get(0).message());
            assertEquals(List.of(new Hello(NAME, TOKEN, "umonitor-ocaml", "0.1.0", 0x1234_5678L)), console.hellos());
            verify(tcp, 1);
        }
    }

    private static void runDemo(String transport, int port, LoopbackReceiver console) throws Exception {
        Process demo = new ProcessBuilder(DEMO.toString(), transport, "127.0.0.1", Integer.toString(port), NAME, TOKEN)
                .redirectError(ProcessBuilder.Redirect.PIPE).start();
        CompletableFuture<String> stderr = readAll(demo.getErrorStream());
        if (console != null) {
            console.readConsole(demo.getInputStream());
        } else {
            demo.getOutputStream().close();
            readAll(demo.getInputStream());
        }
        if (!demo.waitFor(WAIT.toSeconds(), TimeUnit.SECONDS)) {
            demo.destroyForcibly();
            throw new AssertionError("log_demo " + transport + " did not exit within " + WAIT);
        }
        assertEquals(0, demo.exitValue(), () -> "log_demo " + transport + " failed: " + stderr.join());
    }

    private static void verify(LoopbackReceiver rx) {
        verify(rx, 0);
    }

    /** @param first the sequence number of the script's first record */
    private static void verify(LoopbackReceiver rx, int first) {
        long before = System.currentTimeMillis() * 1_000_000L - Duration.ofMinutes(1).toNanos();
        Goodbye goodbye = rx.awaitGoodbye(WAIT);
        List<RecordFrame> records = rx.awaitRecords(SCRIPT.size(), WAIT);
        // Milliseconds round down: a record stamped later in the same millisecond is still "now".
        long after = (System.currentTimeMillis() + 1) * 1_000_000L;
        assertEquals(List.of(), rx.errors(), "protocol errors");
        assertEquals(SCRIPT.size(), records.size(), () -> "records: " + records);
        for (int i = 0; i < SCRIPT.size(); i++) {
            Expected want = SCRIPT.get(i);
            RecordFrame got = records.get(i);
            String where = "record " + i + " " + got;
            assertEquals(first + i, got.sequence(), where);
            assertEquals(want.level(), got.level(), where);
            assertEquals(want.logger(), got.logger(), where);
            assertEquals(want.message(), got.message(), where);
            assertEquals(want.attributes(), got.attributes(), where);
            assertEquals(GuestClock.WALL, got.clock(), where);
            assertTrue(got.timestampNanos() > before && got.timestampNanos() <= after, where + ": timestamp not now");
        }
        for (Hello hello : rx.hellos()) {
            assertEquals(new Hello(NAME, TOKEN, "umonitor-ocaml", "0.1.0", 0x1234_5678L), hello);
        }
        assertEquals(new Goodbye(first + SCRIPT.size(), 0, "exit"), goodbye);
    }

    private static boolean dunePresent() {
        try {
            Process p = new ProcessBuilder("dune", "--version").redirectErrorStream(true).start();
            readAll(p.getInputStream());
            return p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private static CompletableFuture<String> readAll(InputStream in) {
        return CompletableFuture.supplyAsync(() -> {
            try (in) {
                return new String(in.readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                return "(unreadable: " + e + ")";
            }
        });
    }
}
