package io.umonitor.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A terminal's Ctrl-C sends SIGINT to its whole foreground process group. The monitor's JVM stands in that
 * group here (started through setsid, so the test's own group is not hit); its guest must not get the
 * SIGINT, but umonitor's graceful stop (SIGTERM) when the JVM shuts down.
 */
@Timeout(90)
class CtrlCIT {

    @TempDir
    Path dir;

    @Test
    void ctrlCOnTheMonitorsProcessGroupReachesTheGuestOnlyAsUmonitorsGracefulStop() throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/setsid")), "setsid (util-linux) is needed");
        Path signals = dir.resolve("signals");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process jvm = new ProcessBuilder("/usr/bin/setsid", java, "-cp", System.getProperty("java.class.path"),
                CtrlCChild.class.getName(), signals.toString()).redirectErrorStream(true).start();
        long guestPid = -1;
        StringBuilder output = new StringBuilder();
        try {
            BufferedReader reader = new BufferedReader(new InputStreamReader(jvm.getInputStream(),
                    StandardCharsets.UTF_8));
            for (String line; guestPid < 0 && (line = reader.readLine()) != null; ) {
                output.append(line).append('\n');
                if (line.startsWith("guest-pid ")) {
                    guestPid = Long.parseLong(line.substring("guest-pid ".length()).trim());
                }
            }
            assertTrue(guestPid > 0, "no guest pid in:\n" + output);
            // Ctrl-C: SIGINT to every process of the JVM's process group, as the terminal driver does.
            Process ctrlC = new ProcessBuilder("kill", "-INT", "--", "-" + jvm.pid()).start();
            assertTrue(ctrlC.waitFor(10, TimeUnit.SECONDS));
            assertEquals(0, ctrlC.exitValue(), "kill -INT -" + jvm.pid());
            assertTrue(jvm.waitFor(30, TimeUnit.SECONDS), "the JVM did not exit on Ctrl-C:\n" + output);
            long pid = guestPid;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)) {
                assertTrue(System.nanoTime() < deadline, "guest " + pid + " outlived its monitor's JVM");
                Thread.sleep(20);
            }
            assertEquals(List.of("TERM"), Files.readAllLines(signals),
                    "the guest got umonitor's SIGTERM and never the terminal's SIGINT");
        } finally {
            jvm.destroyForcibly();
            if (guestPid > 0) {
                ProcessHandle.of(guestPid).ifPresent(ProcessHandle::destroyForcibly);
            }
        }
    }
}
