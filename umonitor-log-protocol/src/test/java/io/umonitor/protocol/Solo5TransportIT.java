package io.umonitor.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.umonitor.api.Attribute;
import io.umonitor.protocol.testing.LoopbackReceiver;
import io.umonitor.protocol.testing.TapNamespace;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The C client's Solo5 transports in a real Solo5 unikernel (clients/c/test/solo5_demo.c, the client
 * built freestanding) under solo5-spt: records through solo5_console_write, and as hand-built UDP
 * frames through a tap in a private namespace to a Java receiver there. Needs a built Solo5 tree in
 * UMONITOR_SOLO5_HOME (as the umonitor-solo5 tests do); skipped with the reason otherwise, as in CI.
 */
class Solo5TransportIT {
    static final Path CLIENT_DIR = Path.of("clients", "c").toAbsolutePath();
    static final int COUNT = 25;
    static final Duration TIMEOUT = Duration.ofSeconds(30);
    static Path spt;
    /** Why the tests cannot run here, or null; each test reports it as its skip reason. */
    static String unavailable;

    @BeforeAll
    static void buildUnikernels() throws Exception {
        String home = System.getenv("UMONITOR_SOLO5_HOME");
        if (home == null || home.isEmpty()) {
            unavailable = "no Solo5 build: set UMONITOR_SOLO5_HOME to a built Solo5 source tree (git clone "
                    + "https://github.com/Solo5/solo5; git checkout v0.12.1; ./configure.sh && make)";
            return;
        }
        Path root = Path.of(home);
        spt = root.resolve("tenders/spt/solo5-spt");
        if (!Files.isExecutable(root.resolve("toolchain/bin/x86_64-solo5-none-static-cc"))
                || !Files.isExecutable(root.resolve("elftool/solo5-elftool")) || !Files.isExecutable(spt)) {
            unavailable = "UMONITOR_SOLO5_HOME=" + home + " lacks toolchain/bin/x86_64-solo5-none-static-cc, "
                    + "elftool/solo5-elftool or tenders/spt/solo5-spt: build Solo5 there (make)";
            return;
        }
        Process make = new ProcessBuilder("make", "-C", CLIENT_DIR.toString(), "solo5-demo", "SOLO5_HOME=" + home)
                .redirectErrorStream(true).start();
        String output = new String(make.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(make.waitFor(120, TimeUnit.SECONDS), "make solo5-demo did not finish in 120 s");
        assertEquals(0, make.exitValue(), "make solo5-demo failed:\n" + output);
    }

    @Test
    void recordsLeaveASolo5UnikernelThroughItsConsole() throws Exception {
        assumeTrue(unavailable == null, unavailable);
        try (LoopbackReceiver rx = LoopbackReceiver.console()) {
            Process p = new ProcessBuilder(spt.toString(), CLIENT_DIR.resolve("build/solo5_console.spt").toString(),
                    "console", Integer.toString(COUNT)).redirectErrorStream(true).start();
            try {
                rx.readConsole(p.getInputStream());
                assertTrue(p.waitFor(TIMEOUT.toSeconds(), TimeUnit.SECONDS), "the unikernel hangs");
                assertEquals(new Goodbye(COUNT, 0, "done"), rx.awaitGoodbye(TIMEOUT));
                assertEquals(0, p.exitValue(), "solo5-spt exit; console: " + rx.consoleText());
            } finally {
                if (p.isAlive()) {
                    p.destroyForcibly();
                }
            }
            assertEquals(List.of(), rx.errors());
            assertEquals("solo5-demo", rx.hellos().get(0).name());
            List<String> messages = rx.records().stream()
                    .map(r -> r.sequence() + " " + r.message() + " " + r.attributes()).toList();
            assertEquals(expected(), messages);
            assertTrue(rx.consoleText().contains("solo5_demo: logging"), "ordinary text stays text: "
                    + rx.consoleText());
        }
    }

    @Test
    void recordsLeaveASolo5UnikernelAsHandBuiltUdpFramesThroughATap() throws Exception {
        assumeTrue(unavailable == null, unavailable);
        assumeTrue(TapNamespace.available(), TapNamespace.REQUIREMENT);
        try (TapNamespace ns = TapNamespace.create("cclient", "10.77.0.1/24");
             TapNamespace.Receiver rx = ns.startUdpReceiver()) {
            Process p = ns.exec(spt.toString(), "--net:service0=" + ns.tap(),
                    CLIENT_DIR.resolve("build/solo5_demo.spt").toString(), "udp", "10.77.0.2", ns.hostAddress(),
                    Integer.toString(rx.port()), "0123456789abcdef0123456789abcdef", Integer.toString(COUNT))
                    .redirectErrorStream(true).start();
            try {
                assertEquals("GOODBYE " + COUNT + " 0 done", rx.await(l -> l.startsWith("GOODBYE "), TIMEOUT));
                assertTrue(p.waitFor(TIMEOUT.toSeconds(), TimeUnit.SECONDS), "the unikernel hangs");
                String console = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                assertEquals(0, p.exitValue(), "solo5-spt failed:\n" + console);
            } finally {
                p.destroyForcibly();
            }
            List<String> records = rx.seen().stream().filter(l -> l.startsWith("RECORD ")).map(l -> {
                String[] f = l.substring("RECORD ".length()).split("\t");
                return f[0] + " " + f[2] + " " + f[3];
            }).toList();
            assertEquals(expected(), records, "every record, intact and in order");
            assertTrue(rx.seen().stream().noneMatch(l -> l.startsWith("ERROR")), "decode errors: " + rx.seen());
        }
    }

    private static List<String> expected() {
        List<String> expected = new ArrayList<>();
        for (int i = 0; i < COUNT; i++) {
            expected.add(i + " solo5 record " + i + " ü " + List.of(Attribute.of("i", i), Attribute.of("via", "solo5")));
        }
        return expected;
    }
}
