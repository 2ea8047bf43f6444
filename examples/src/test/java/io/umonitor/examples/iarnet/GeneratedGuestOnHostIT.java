package io.umonitor.examples.iarnet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.umonitor.api.UnikernelSpec;
import io.umonitor.core.Monitor;
import io.umonitor.core.backend.process.ProcessBackend;
import io.umonitor.core.gateway.GatewayOptions;
import io.umonitor.core.gateway.InvocationException;
import io.umonitor.core.gateway.Invocations;
import java.io.File;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The OCaml code the provider puts into the unikernel (gateway_client.ml and the function's handlers.ml),
 * compiled for the host with dune against a small Lwt_unix harness and run by the process backend: it
 * dials the real gateway with its name and token and answers invocations. This is the part of the flow
 * that runs here without the mirage tool; {@code IarnetProviderIT} runs the whole flow where mirage is.
 */
@Timeout(180)
class GeneratedGuestOnHostIT {

    @Test
    void theGeneratedGatewayClientAnswersInvocationsFromTheRealGateway(@TempDir Path dir) throws Exception {
        assumeTrue(onPath("dune") && onPath("ocamlfind"), "needs dune and ocamlfind to compile the generated OCaml "
                + "for the host: apt-get install ocaml-dune ocaml-findlib liblwt-ocaml-dev libyojson-ocaml-dev");
        assumeTrue(run(dir, Duration.ofSeconds(30), "ocamlfind", "query", "lwt.unix", "yojson") == 0,
                "needs the OCaml libraries lwt.unix and yojson: apt-get install liblwt-ocaml-dev libyojson-ocaml-dev");
        Path src = UnikernelSources.write(dir.resolve("src"), UnikernelSourcesTest.ADDER);
        for (String name : List.of("host_main.ml", "dune", "dune-project")) {
            try (InputStream in = GeneratedGuestOnHostIT.class.getResourceAsStream(name)) {
                Files.write(src.resolve(name), in.readAllBytes());
            }
        }
        int built = run(src, Duration.ofSeconds(150), "dune", "build", "--root", src.toString(), "./host_main.exe");
        assertEquals(0, built, "dune build of the generated sources failed: " + Files.readString(src.resolve("build.log")));
        Path exe = src.resolve("_build/default/host_main.exe");

        try (Monitor monitor = Monitor.builder().discoverProviders(false).backend(new ProcessBackend())
                .invocationGateway(GatewayOptions.defaults().withWebPageAddress(null)).stopGrace(Duration.ofSeconds(2))
                .build()) {
            monitor.launch(UnikernelSpec.builder("adder", exe).build());
            Invocations adder = monitor.invocations("adder");
            adder.awaitReady(Duration.ofSeconds(20));

            assertEquals("3", adder.invoke("add", "[1,2]", Duration.ofSeconds(10)).get(10, TimeUnit.SECONDS));
            List<CompletableFuture<String>> futures = new ArrayList<>();
            for (int i = 0; i < 150; i++) {
                futures.add(adder.invoke("add", "[" + i + ",1000]", Duration.ofSeconds(20)));
            }
            for (int i = 0; i < 150; i++) {
                assertEquals(Integer.toString(i + 1000), futures.get(i).get(20, TimeUnit.SECONDS));
            }
            InvocationException error = failure(adder.invoke("fail", "\"no such account\"", Duration.ofSeconds(10)));
            assertEquals(InvocationException.Reason.ERROR_REPLY, error.reason());
            assertTrue(error.getMessage().contains("no such account"), error.getMessage());
            InvocationException raised = failure(adder.invoke("raise", "null", Duration.ofSeconds(10)));
            assertTrue(raised.getMessage().contains("boom"), raised.getMessage());
            assertEquals("{\"k\":[true,null,\"\\u00e9\"]}",
                    adder.invoke("echo", "{\"k\":[true,null,\"\\u00e9\"]}", Duration.ofSeconds(10)).get(10, TimeUnit.SECONDS)
                            .replace("é", "\\u00e9"));
        }
    }

    @Test
    void theGeneratedUnikernelTypeChecksAgainstMirageSignatures(@TempDir Path dir) throws Exception {
        Path stubs = Path.of("..", "umonitor-log-protocol", "clients", "ocaml", "test", "mirage-stubs").toAbsolutePath()
                .normalize();
        assumeTrue(onPath("dune") && onPath("ocamlfind"), "needs dune and ocamlfind: apt-get install ocaml-dune ocaml-findlib");
        assumeTrue(run(dir, Duration.ofSeconds(30), "ocamlfind", "query", "lwt", "yojson", "fmt", "cstruct", "ipaddr",
                "cmdliner") == 0, "needs the OCaml libraries lwt yojson fmt cstruct ipaddr cmdliner: apt-get install "
                + "liblwt-ocaml-dev libyojson-ocaml-dev libfmt-ocaml-dev libcstruct-ocaml-dev libipaddr-ocaml-dev "
                + "libcmdliner-ocaml-dev");
        assumeTrue(Files.isDirectory(stubs), "the OCaml client's MirageOS stand-ins are missing at " + stubs);
        Path src = UnikernelSources.write(dir.resolve("src"), UnikernelSourcesTest.ADDER);
        Files.delete(src.resolve("config.ml"));
        for (String stub : List.of("mirage_runtime.ml", "mirage_sleep.ml", "tcpip.ml")) {
            Files.copy(stubs.resolve(stub), src.resolve(stub));
        }
        copyResource("duration.ml", src.resolve("duration.ml"));
        copyResource("dune.mirage-check", src.resolve("dune"));
        copyResource("dune-project", src.resolve("dune-project"));
        int built = run(src, Duration.ofSeconds(150), "dune", "build", "--root", src.toString());
        assertEquals(0, built, "the generated unikernel.ml does not compile against the MirageOS signatures: "
                + Files.readString(src.resolve("build.log")));
    }

    private static void copyResource(String name, Path to) throws Exception {
        try (InputStream in = GeneratedGuestOnHostIT.class.getResourceAsStream(name)) {
            Files.write(to, in.readAllBytes());
        }
    }

    private static InvocationException failure(CompletableFuture<String> future) {
        ExecutionException e = assertThrows(ExecutionException.class, () -> future.get(10, TimeUnit.SECONDS));
        return (InvocationException) e.getCause();
    }

    static boolean onPath(String tool) {
        for (String d : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            if (Files.isExecutable(Path.of(d, tool))) {
                return true;
            }
        }
        return false;
    }

    private static int run(Path dir, Duration timeout, String... command) throws Exception {
        Path log = dir.resolve("build.log");
        Process p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true)
                .redirectOutput(log.toFile()).start();
        if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            p.destroyForcibly();
            throw new AssertionError(String.join(" ", command) + " did not finish within " + timeout + ": "
                    + Files.readString(log, StandardCharsets.UTF_8));
        }
        return p.exitValue();
    }
}
