package io.umonitor.examples.iarnet;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.umonitor.api.ConfigurationException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class UnikernelSourcesTest {
    static final String ADDER = """
            let handle ~topic (value : Yojson.Safe.t) : (Yojson.Safe.t, string) result Lwt.t =
              match topic, value with
              | "add", `List [ `Int a; `Int b ] -> Lwt.return (Ok (`Int (a + b)))
              | "echo", v -> Lwt.return (Ok v)
              | "fail", `String why -> Lwt.return (Error why)
              | "raise", _ -> failwith "boom"
              | t, _ -> Lwt.return (Error ("no handler for topic " ^ t))
            """;

    @Test
    void theTemplateAndTheFunctionsHandlersAreWritten(@TempDir Path dir) throws Exception {
        Path src = UnikernelSources.write(dir.resolve("adder"), ADDER);
        assertEquals(ADDER, Files.readString(src.resolve("handlers.ml")));
        for (String name : UnikernelSources.TEMPLATE) {
            assertTrue(Files.size(src.resolve(name)) > 0, name);
        }
        assertTrue(Files.readString(src.resolve("config.ml")).contains("\"Unikernel.Main\""));
        assertTrue(Files.readString(src.resolve("unikernel.ml")).contains("Handlers.handle"));
    }

    @Test
    void theSameCodeGivesTheSameBytesSoBuildsAreReused(@TempDir Path dir) throws Exception {
        Path a = UnikernelSources.write(dir.resolve("a"), ADDER);
        Path b = UnikernelSources.write(dir.resolve("b"), ADDER);
        for (String name : new String[] {"config.ml", "unikernel.ml", "gateway_client.ml", "handlers.ml"}) {
            assertArrayEquals(Files.readAllBytes(a.resolve(name)), Files.readAllBytes(b.resolve(name)), name);
        }
    }

    @Test
    void emptyHandlerCodeIsRefusedWithTheExpectedSignature(@TempDir Path dir) {
        ConfigurationException e = assertThrows(ConfigurationException.class,
                () -> UnikernelSources.write(dir.resolve("x"), "  \n"));
        assertTrue(e.getMessage().contains("let handle ~topic value"), e.getMessage());
        ConfigurationException e2 = assertThrows(ConfigurationException.class,
                () -> UnikernelSources.write(dir.resolve("x"), "let f x = x"));
        assertTrue(e2.getMessage().contains("val handle"), e2.getMessage());
    }
}
