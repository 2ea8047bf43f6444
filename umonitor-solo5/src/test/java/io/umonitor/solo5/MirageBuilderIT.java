package io.umonitor.solo5;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.umonitor.api.ExitClassification;
import io.umonitor.api.ExitInfo;
import io.umonitor.api.LogRecord;
import io.umonitor.api.UnikernelSpec;
import io.umonitor.api.spi.GuestOutput;
import io.umonitor.api.spi.LaunchRequest;
import io.umonitor.testkit.RecordingGuestOutput;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Builds a MirageOS hello-world with the real mirage tool and runs it on spt (MirageOS needs SSE, which
 * the software hypervisor behind /dev/kvm on the machines this was written on cannot run, so not hvt).
 * Skipped where mirage or opam is missing.
 */
class MirageBuilderIT {

    @TempDir
    Path dir;

    private static boolean onPath(String tool) {
        for (String d : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            if (!d.isBlank() && Files.isExecutable(Path.of(d, tool))) {
                return true;
            }
        }
        return false;
    }

    @Test
    void buildsAndRunsHelloOnSpt() throws Exception {
        assumeTrue(onPath("mirage") && onPath("opam"), "the mirage tool and opam are needed to build MirageOS "
                + "unikernels: apt-get install opam; opam init; opam install 'mirage>=4'; eval $(opam env)");
        Solo5TestKernels.requireKernel("test_hello", Tender.SPT);
        Path source = Files.createDirectories(dir.resolve("hello"));
        Files.writeString(source.resolve("config.ml"), """
                open Mirage
                let main = main "Unikernel.Hello" (time @-> job) ~packages:[ package "duration" ]
                let () = register "hello" [ main $ default_time ]
                """);
        Files.writeString(source.resolve("unikernel.ml"), """
                open Lwt.Infix
                module Hello (Time : Mirage_time.S) = struct
                  let start _time =
                    let rec loop n = if n = 0 then Lwt.return_unit else begin
                      Logs.info (fun f -> f "hello %d" n);
                      Time.sleep_ns (Duration.of_ms 100) >>= fun () -> loop (n - 1) end in
                    loop 3
                end
                """);
        List<LogRecord> records = new CopyOnWriteArrayList<>();
        MirageBuilder.Result built = MirageBuilder.create(dir.resolve("cache")).build("mirage-hello", source, "spt",
                records::add);
        RecordingGuestOutput output = new RecordingGuestOutput();
        ExitInfo exit = new Solo5Backend().launch(new LaunchRequest(UnikernelSpec.builder("mirage-hello", built.image())
                .option("solo5.mirage", "true").option("solo5.umonitor-arguments", "false").build(), "t", List.of(),
                List.of(), output, dir)).exit().get(60, TimeUnit.SECONDS);
        assertEquals(ExitClassification.NORMAL, exit.classification(), exit + " " + output.lines(GuestOutput.Stream.STDOUT));
        assertTrue(output.lines(GuestOutput.Stream.STDOUT).stream().anyMatch(l -> l.contains("hello 1")), output.lines(GuestOutput.Stream.STDOUT).toString());
    }
}
