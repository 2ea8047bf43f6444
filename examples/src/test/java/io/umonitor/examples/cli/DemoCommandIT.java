package io.umonitor.examples.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The README's first command: real guests compiled with gcc, run by the process backend. */
class DemoCommandIT {

    @Test
    void demoRunsGuestsConcurrentlyRestartsTheCrashingOneAndLeavesLogFiles(@TempDir Path home) throws Exception {
        CliProcess.Result demo = CliProcess.run(home, 120, "demo");
        assertEquals(0, demo.exitCode(), demo.output());

        Matcher crashy = Pattern.compile("(?m)^crashy\\s+EXITED\\s+2\\s+134 CRASH").matcher(demo.output());
        assertTrue(crashy.find(), "crashy crashes (SIGABRT, 128+6), is restarted twice, then stays exited:\n" + demo.output());
        for (String guest : new String[] {"sensor-1", "sensor-2", "web-1", "console-1"}) {
            assertTrue(Pattern.compile("(?m)^" + guest + "\\s+EXITED\\s+0\\s+0 NORMAL").matcher(demo.output()).find(),
                    guest + " ends normally:\n" + demo.output());
            assertTrue(Files.exists(home.resolve("logs").resolve(guest + ".log")), guest + " has its own log file");
        }

        // After the demo no monitor runs: `logs` reads the file the file sink wrote.
        if (ReadmeExamplesIT.onPath("qemu-system-x86_64")) {
            assertTrue(Pattern.compile("(?m)^vm-1\\s+EXITED\\s+0\\s+0 NORMAL").matcher(demo.output()).find(),
                    "where QEMU is installed the demo boots the multiboot guest and it ends normally:\n" + demo.output());
            String vmLog = Files.readString(home.resolve("logs").resolve("vm-1.log"));
            assertTrue(vmLog.contains("launched with backend 'qemu'"), "the backend was inferred from the image:\n" + vmLog);
            assertTrue(vmLog.contains("record 4 from the multiboot guest"), "structured records over UDP:\n" + vmLog);
            assertTrue(vmLog.contains("mbguest: token from fw_cfg, 32 characters"),
                    "the guest's client read its token from fw_cfg, not from its command line:\n" + vmLog);
        }

        CliProcess.Result crashyLogs = CliProcess.run(home, 30, "logs", "crashy");
        assertEquals(0, crashyLogs.exitCode(), crashyLogs.output());
        assertTrue(crashyLogs.output().contains("NULL pointer passed"), crashyLogs.output());
        assertTrue(crashyLogs.output().contains("error.kind=\"null_argument\"") || crashyLogs.output().contains("null_argument"),
                crashyLogs.output());

        CliProcess.Result errors = CliProcess.run(home, 30, "logs", "web-1", "--level", "ERROR");
        assertEquals(0, errors.exitCode(), errors.output());
        assertTrue(errors.output().contains("division by zero avoided"), errors.output());
        assertFalse(errors.output().contains("handled request"), "INFO records are filtered out:\n" + errors.output());

        CliProcess.Result console = CliProcess.run(home, 30, "logs", "console-1", "--grep", "structured record 3");
        assertTrue(console.output().contains("structured record 3 over the console"),
                "console-encoded records arrive structured:\n" + console.output());
    }

    @Test
    void withoutQemuTheDemoSaysHowToGetItAndRunsTheProcessGuests(@TempDir Path home) throws Exception {
        // A PATH with the C toolchain and no QEMU.
        Path bin = Files.createDirectories(home.resolve("bin"));
        for (String tool : new String[] {"gcc", "cc", "as", "ld"}) {
            Path real = Path.of("/usr/bin", tool);
            if (Files.exists(real)) {
                Files.createSymbolicLink(bin.resolve(tool), real);
            }
        }
        CliProcess.Result demo = CliProcess.runWithPath(home, bin.toString(), 120, "demo");
        assertEquals(0, demo.exitCode(), demo.output());
        assertTrue(demo.output().contains("install QEMU (apt-get install qemu-system-x86)"), demo.output());
        assertFalse(demo.output().contains("vm-1"), demo.output());
        assertTrue(Pattern.compile("(?m)^web-1\\s+EXITED\\s+0\\s+0 NORMAL").matcher(demo.output()).find(), demo.output());
    }
}
