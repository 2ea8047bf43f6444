package io.umonitor.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * Builds test guests: small C programs linked with umonitor's own C log client, compiled with gcc the way
 * a unikernel developer links it. For umonitor's tests, which run from a module directory of this
 * repository (the client is found at {@code ../umonitor-log-protocol/clients/c}); a test without gcc or
 * the client is skipped with the reason.
 */
public final class CClientGuests {
    /** The C client's sources, seen from any module directory of the repository. */
    public static final Path CLIENT_DIR = Path.of("..", "umonitor-log-protocol", "clients", "c").toAbsolutePath()
            .normalize();

    private CClientGuests() {
    }

    /** Writes {@code source} to {@code dir/NAME.c} and compiles it with the client into {@code dir/NAME}. */
    public static Path compile(Path dir, String name, String source) throws IOException, InterruptedException {
        assumeTrue(onPath("gcc"), "needs gcc to build the test guest: apt-get install gcc libc6-dev");
        assumeTrue(Files.exists(CLIENT_DIR.resolve("umonitor_log.c")), "the C client is missing at " + CLIENT_DIR);
        Path sourceFile = dir.resolve(name + ".c");
        Files.writeString(sourceFile, source);
        Path guest = dir.resolve(name);
        Process gcc = new ProcessBuilder("gcc", "-std=c99", "-O1", "-I", CLIENT_DIR.toString(), sourceFile.toString(),
                CLIENT_DIR.resolve("umonitor_log.c").toString(), "-o", guest.toString(), "-lpthread")
                .redirectErrorStream(true).start();
        String output = new String(gcc.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(gcc.waitFor(60, TimeUnit.SECONDS), "gcc did not finish");
        assertEquals(0, gcc.exitValue(), "gcc failed:\n" + output);
        return guest;
    }

    /**
     * Builds the C client's own programs ({@code make -C clients/c programs}) and returns the directory they
     * are built in ({@code clients/c/build}). Skips the test, saying why, without make or a C compiler.
     */
    public static Path makePrograms() throws IOException, InterruptedException {
        assumeTrue(onPath("make") && (onPath("cc") || onPath("gcc")),
                "needs make and a C compiler to build clients/c: apt-get install make gcc libc6-dev");
        Process make = new ProcessBuilder("make", "-C", CLIENT_DIR.toString(), "programs").redirectErrorStream(true)
                .start();
        String output = new String(make.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(make.waitFor(120, TimeUnit.SECONDS), "make programs did not finish in 120 s");
        assertEquals(0, make.exitValue(), "make -C " + CLIENT_DIR + " programs failed:\n" + output);
        return CLIENT_DIR.resolve("build");
    }

    /** True when {@code tool} is an executable file in a directory of this process's PATH. */
    public static boolean onPath(String tool) {
        for (String d : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            if (!d.isEmpty() && Files.isExecutable(Path.of(d, tool))) {
                return true;
            }
        }
        return false;
    }
}
