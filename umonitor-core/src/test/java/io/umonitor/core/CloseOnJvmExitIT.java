package io.umonitor.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** A JVM that exits without closing its monitor must not leave its guests running. */
@Timeout(60)
class CloseOnJvmExitIT {

    @Test
    void guestsDoNotOutliveTheJvmOfTheirMonitor() throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process jvm = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
                GuestLeavingMain.class.getName()).redirectErrorStream(true).start();
        long guestPid = -1;
        StringBuilder output = new StringBuilder();
        try (BufferedReader reader = new BufferedReader(new InputStreamReader(jvm.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = reader.readLine()) != null) {
                output.append(line).append('\n');
                if (line.startsWith("guest-pid ")) {
                    guestPid = Long.parseLong(line.substring("guest-pid ".length()).trim());
                }
            }
        } finally {
            assertTrue(jvm.waitFor(30, TimeUnit.SECONDS), "the monitor's JVM did not exit:\n" + output);
        }
        assertEquals(0, jvm.exitValue(), output.toString());
        assertTrue(guestPid > 0, "no guest pid in:\n" + output);
        long pid = guestPid;
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)) {
                assertTrue(System.nanoTime() < deadline, "guest " + pid + " outlived its monitor's JVM");
                Thread.sleep(20);
            }
        } finally {
            ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
        }
    }
}
