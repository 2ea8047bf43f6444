package io.umonitor.protocol.trace;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.umonitor.api.ConfigurationException;
import io.umonitor.protocol.testing.LoopbackReceiver;
import io.umonitor.testkit.CClientGuests;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Automatic function tracing end to end: clients/c/test/trace_demo.c, compiled with
 * -finstrument-functions as a position-independent executable, reports every call over TCP; the
 * Java side reads the executable's ELF symbols, resolves the addresses and rebuilds the call tree,
 * which must be exactly the program's known call graph (with the excluded function absent).
 */
class TraceCallTreeIT {
    static final Path CLIENT_DIR = Path.of("clients", "c").toAbsolutePath();
    static final Path DEMO = CLIENT_DIR.resolve("build/trace_demo");
    static final Path SOURCE = CLIENT_DIR.resolve("test/trace_demo.c");

    @TempDir
    Path temp;

    @BeforeAll
    static void buildDemo() throws Exception {
        CClientGuests.makePrograms();
    }

    @Test
    void tracedProgramYieldsItsKnownCallTree() throws Exception {
        try (LoopbackReceiver rx = LoopbackReceiver.tcp()) {
            ProcessBuilder pb = new ProcessBuilder(DEMO.toString())
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .redirectError(temp.resolve("stderr").toFile());
            pb.environment().keySet().removeIf(k -> k.startsWith("UMONITOR_"));
            pb.environment().put("UMONITOR_NAME", "trace-demo");
            pb.environment().put("UMONITOR_TCP", rx.address());
            Process p = pb.start();
            assertTrue(p.waitFor(30, TimeUnit.SECONDS), "trace_demo hangs");
            assertEquals(0, p.exitValue(), "trace_demo failed: " + Files.readString(temp.resolve("stderr")));
            rx.awaitGoodbye(Duration.ofSeconds(30));
            assertEquals(List.of(), rx.errors());

            AddressSymbolizer symbolizer = AddressSymbolizer.forImage(DEMO);
            CallTree tree = CallTree.build(rx.records(), symbolizer);
            assertEquals("""
                    thread 1
                      main
                        handle_request
                          parse
                            leaf
                        handle_request
                          parse
                            leaf
                    thread 2
                      worker
                        parse
                          leaf
                    """, tree.render(false), "call trees of trace_demo.c (noisy is excluded at run time)");

            // Source lines come from addr2line (binutils, which gcc depends on): the function's line.
            if (symbolizer.hasSourceLines()) {
                String rendered = tree.render();
                int declaration = lineOf("static int handle_request(int id)");
                assertTrue(rendered.contains("handle_request (trace_demo.c:" + declaration + ")")
                                || rendered.contains("handle_request (trace_demo.c:" + (declaration + 1) + ")"),
                        "handle_request at trace_demo.c:" + declaration + " in\n" + rendered);
                System.out.print("trace_demo call tree:\n" + rendered);
            }
        }
    }

    @Test
    void elfReaderFindsTheFunctionsAndTheImageStart() {
        ElfSymbols symbols = ElfSymbols.read(DEMO);
        for (String name : List.of("main", "handle_request", "parse", "leaf", "noisy")) {
            assertTrue(symbols.addressOf(name).isPresent(), name + " in the symbol table");
        }
        long leaf = symbols.addressOf("leaf").getAsLong();
        assertEquals("leaf", symbols.functionAt(leaf + 1).orElseThrow().name());
    }

    @Test
    void aFileThatIsNotElfIsRejectedWithItsName() throws Exception {
        Path notElf = Files.writeString(temp.resolve("image.txt"), "not an image");
        ConfigurationException e = org.junit.jupiter.api.Assertions.assertThrows(ConfigurationException.class,
                () -> ElfSymbols.read(notElf));
        assertTrue(e.getMessage().contains(notElf.toString()) && e.getMessage().contains("ELF magic"),
                e.getMessage());
    }

    private static int lineOf(String text) throws Exception {
        List<String> lines = Files.readAllLines(SOURCE);
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).contains(text)) {
                return i + 1;
            }
        }
        throw new AssertionError(text + " not in " + SOURCE);
    }
}
