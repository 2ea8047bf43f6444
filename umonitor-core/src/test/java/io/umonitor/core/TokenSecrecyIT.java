package io.umonitor.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.umonitor.api.LogFilter;
import io.umonitor.api.LogOrigin;
import io.umonitor.api.LogRecord;
import io.umonitor.api.UnikernelHandle;
import io.umonitor.api.UnikernelSpec;
import io.umonitor.core.backend.process.ProcessBackend;
import io.umonitor.core.sink.FileSink;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A guest's token stays secret from other local users: as uid 65534 nothing in {@code ps}, in any process's
 * command line or environment, or in any file it can read under the test's directory (the monitor's work and state) holds the token of
 * a running guest, although the guest prints its token on its console (as kernels print their command line).
 */
@Timeout(60)
class TokenSecrecyIT {
    @TempDir
    Path dir;

    @Test
    void anotherUserFindsNoTokenInPsCommandLinesEnvironmentsOrFilesAndTheConsoleCopyIsMasked() throws Exception {
        assumeTrue("root".equals(System.getProperty("user.name")), "needs root to switch to uid 65534 with setpriv");
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/setpriv")), "needs setpriv (util-linux)");
        String marker = "secrecy-" + ProcessHandle.current().pid();
        Path work = dir.resolve("work");
        Path state = dir.resolve("state");
        // The temp dir itself is traversable, so only the monitor's own permissions keep uid 65534 out.
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        try (Monitor monitor = Monitor.builder().discoverProviders(false).backend(new ProcessBackend())
                .sink(new FileSink()).workDirectory(work).stateDirectory(state).build()) {
            UnikernelHandle handle = monitor.launch(UnikernelSpec.builder("secrecy", Path.of("/bin/sh"))
                    .argument("-c").argument("echo \"booting with umonitor.token=$UMONITOR_TOKEN\"; sleep 30; true "
                            + marker).build());
            ProcessHandle guest = awaitGuest(marker);
            String token = tokenOf(guest);
            assertTrue(token.length() >= 16, "the guest got a token: " + token.length() + " characters");
            List<LogRecord> console = awaitConsole(monitor);
            assertEquals("booting with umonitor.token=********", console.get(0).message(),
                    "the console copy of the token is masked before it is stored or shown");

            Path log = work.resolve("logs").resolve("secrecy.log");
            monitor.logs("secrecy", LogFilter.ALL); // the file sink flushes as soon as its queue runs empty
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (!(Files.exists(log) && Files.readString(log).contains("booting with")) && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            String logText = Files.readString(log, StandardCharsets.UTF_8);
            assertFalse(logText.contains(token), "the log file holds no token");
            assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(log)));
            assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(log.getParent())));
            assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(state)));

            String seen = asNobody("ps auxwwe; for f in /proc/[0-9]*/cmdline /proc/[0-9]*/environ; do "
                    + "tr '\\0' ' ' < \"$f\" 2>/dev/null; echo; done; "
                    + "find " + dir + " -xdev -type f -readable 2>/dev/null | while read f; do cat \"$f\"; done");
            assertTrue(seen.contains(marker), "uid 65534 does see the guest process (the search is real)");
            assertFalse(seen.contains(token), "uid 65534 found the guest's token");
            handle.stop(java.time.Duration.ofSeconds(5));
        }
    }

    private static ProcessHandle awaitGuest(String marker) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (System.nanoTime() < deadline) {
            Optional<ProcessHandle> p = ProcessHandle.current().descendants()
                    .filter(h -> h.info().commandLine().map(c -> c.contains(marker) && c.contains("sleep")).orElse(false))
                    .findFirst();
            if (p.isPresent()) {
                return p.get();
            }
            Thread.sleep(20);
        }
        throw new AssertionError("the guest did not start");
    }

    private static String tokenOf(ProcessHandle guest) throws Exception {
        String environ = new String(Files.readAllBytes(Path.of("/proc", Long.toString(guest.pid()), "environ")),
                StandardCharsets.UTF_8);
        for (String entry : environ.split("\0")) {
            if (entry.startsWith("UMONITOR_TOKEN=")) {
                return entry.substring("UMONITOR_TOKEN=".length());
            }
        }
        throw new AssertionError("the guest has no UMONITOR_TOKEN");
    }

    private static List<LogRecord> awaitConsole(Monitor monitor) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (System.nanoTime() < deadline) {
            List<LogRecord> console = monitor.logs("secrecy", LogFilter.ALL).stream()
                    .filter(r -> r.origin() == LogOrigin.CONSOLE).toList();
            if (!console.isEmpty()) {
                return console;
            }
            Thread.sleep(20);
        }
        throw new AssertionError("no console line from the guest");
    }

    private static String asNobody(String script) throws Exception {
        Process p = new ProcessBuilder("/usr/bin/setpriv", "--reuid", "65534", "--regid", "65534", "--clear-groups",
                "--", "/bin/sh", "-c", script).redirectErrorStream(true).start();
        byte[] out = p.getInputStream().readAllBytes();
        assertTrue(p.waitFor(30, TimeUnit.SECONDS), "the search as uid 65534 finished");
        return new String(out, StandardCharsets.UTF_8);
    }
}
