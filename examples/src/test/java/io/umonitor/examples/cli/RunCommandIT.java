package io.umonitor.examples.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.umonitor.testkit.CClientGuests;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** `umonitor run` as a user meets it: backend inference, errors in flag words, complete ordered output. */
class RunCommandIT {
    private static final Path SOLO5 = System.getenv("UMONITOR_SOLO5_HOME") == null ? null
            : Path.of(System.getenv("UMONITOR_SOLO5_HOME"));

    static Path script(Path dir, String name, String body) throws Exception {
        Path p = dir.resolve(name);
        Files.writeString(p, "#!/bin/sh\n" + body);
        p.toFile().setExecutable(true);
        return p;
    }

    @Test
    void aHostProgramAndAScriptRunWithTheProcessBackendWithoutNamingIt(@TempDir Path dir) throws Exception {
        CliProcess.Result elf = CliProcess.run(dir.resolve("home"), 60, "run", "--name", "true-elf", "/bin/true");
        assertEquals(0, elf.exitCode(), elf.output());
        assertTrue(elf.output().contains("launched with backend 'process'"), elf.output());
        Path guest = script(dir, "guest", "echo hi\n");
        CliProcess.Result sh = CliProcess.runIn(dir, dir.resolve("home"), 60, "run", "./guest");
        assertEquals(0, sh.exitCode(), sh.output());
        assertTrue(sh.output().contains("launched with backend 'process'"), sh.output());
        assertTrue(Files.exists(guest));
    }

    @Test
    void aMissingImageSaysItDoesNotExistOnceOnOneLineAndLeavesNoLogFile(@TempDir Path dir) throws Exception {
        Path home = dir.resolve("home");
        CliProcess.Result r = CliProcess.runIn(dir, home, 60, "run", "./nosuch");
        assertEquals(2, r.exitCode(), r.output());
        List<String> lines = r.output().lines().toList();
        assertEquals(1, lines.size(), "one line, no stack trace:\n" + r.output());
        assertTrue(lines.get(0).startsWith("umonitor: image " + dir.resolve("nosuch") + " of unikernel 'nosuch' does not exist"),
                r.output());
        assertFalse(Files.exists(home.resolve("logs").resolve("nosuch.log")), "no empty log file is left behind");

        CliProcess.Result debug = CliProcess.runIn(dir, home, 60, "run", "--debug", "./nosuch");
        assertTrue(debug.output().contains("\tat io.umonitor."), "--debug adds the stack trace:\n" + debug.output());
    }

    @Test
    void aFileNoBackendRecognisesNamesTheBackendFlag(@TempDir Path dir) throws Exception {
        Path data = dir.resolve("notes.txt");
        Files.writeString(data, "just text\n");
        CliProcess.Result r = CliProcess.run(dir.resolve("home"), 60, "run", data.toString());
        assertEquals(2, r.exitCode(), r.output());
        assertTrue(r.output().contains("--backend ID"), r.output());
        assertFalse(r.output().contains("UnikernelSpec"), "no Java in command-line errors:\n" + r.output());
        assertEquals(1, r.output().lines().count(), r.output());
    }

    @Test
    void solo5ImagesAreRecognisedAndManifestErrorsNameTheFlags(@TempDir Path dir) throws Exception {
        assumeTrue(SOLO5 != null && Files.exists(SOLO5.resolve("tests/test_hello/test_hello.spt")),
                "UMONITOR_SOLO5_HOME must point at a Solo5 build with its test unikernels");
        Path home = dir.resolve("home");
        CliProcess.Result hello = CliProcess.run(home, 60, "run", SOLO5.resolve("tests/test_hello/test_hello.spt").toString());
        assertEquals(0, hello.exitCode(), hello.output());
        assertTrue(hello.output().contains("launched with backend 'solo5'"), hello.output());
        assertTrue(hello.output().contains("solo5-spt"), "the tender follows the image's ABI (spt):\n" + hello.output());
        assertFalse(hello.output().contains("\\\\"), "backslashes in Solo5's banner are shown once:\n" + hello.output());

        CliProcess.Result blk = CliProcess.run(home, 60, "run", SOLO5.resolve("tests/test_blk/test_blk.spt").toString());
        assertEquals(2, blk.exitCode(), blk.output());
        assertTrue(blk.output().contains("add --block storage=PATH"), blk.output());
        assertEquals(1, blk.output().lines().count(), "said once:\n" + blk.output());

        CliProcess.Result net = CliProcess.run(home, 60, "run", SOLO5.resolve("tests/test_net/test_net.spt").toString());
        assertTrue(net.output().contains("add --net service0"), net.output());
        assertFalse(net.output().contains("NetworkSpec"), net.output());
    }

    @Test
    void everyRecordAndTheFinalLineArriveInOrderWithLaunchedFirst(@TempDir Path dir) throws Exception {
        // 300 lines as fast as the shell can print them, a tab and a backslash, then exit 3 at once.
        script(dir, "burst", "printf 'first\\tline \\\\ back\\n'\ni=0\nwhile [ $i -lt 300 ]; do echo \"line $i\"; i=$((i+1)); done\n"
                + "echo last-line\nexit 3\n");
        for (int round = 0; round < 3; round++) {
            CliProcess.Result r = CliProcess.runIn(dir, dir.resolve("home" + round), 60, "run", "./burst");
            assertEquals(3, r.exitCode(), r.output());
            List<String> lines = r.output().lines().toList();
            int launched = indexOf(lines, "launched with backend");
            int first = indexOf(lines, "first\tline \\ back");
            assertTrue(launched >= 0 && first > launched, "launched comes before the guest's first line; tabs and "
                    + "backslashes as written:\n" + r.output());
            for (int i = 0; i < 300; i++) {
                assertTrue(indexOf(lines, "[stdout] line " + i) > first, "line " + i + " is shown:\n" + r.output());
            }
            int exited = indexOf(lines, "exited: exit code 3");
            assertTrue(exited > indexOf(lines, "last-line"), r.output());
            assertTrue(lines.get(lines.size() - 1).startsWith("burst ended: exited with code 3"),
                    "the final line comes last and whole:\n" + r.output());
            assertTrue(lines.stream().allMatch(l -> Pattern.matches("\\d\\d:\\d\\d:\\d\\d\\.\\d{3} .*|burst ended: .*", l)),
                    "no line is spliced into another:\n" + r.output());
        }
    }

    @Test
    void recordsSentOverTcpDuringTheLaunchAreShownAfterLaunched(@TempDir Path dir) throws Exception {
        CClientGuests.compile(dir, "fast", """
                #include "umonitor_log.h"
                int main(void) {
                    if (umon_init_from_env() != 0) return 1;
                    for (int i = 0; i < 3; i++) send_log(UMON_INFO, "tcp record %d", i);
                    umon_shutdown("done");
                    return 0;
                }
                """);
        CliProcess.Result r = CliProcess.runIn(dir, dir.resolve("home"), 60, "run", "./fast");
        assertEquals(0, r.exitCode(), r.output());
        List<String> lines = r.output().lines().toList();
        int launched = indexOf(lines, "launched with backend 'process'");
        assertTrue(launched >= 0 && launched < indexOf(lines, "tcp record 0"), r.output());
        assertTrue(indexOf(lines, "tcp record 2") < indexOf(lines, "exited: exit code 0"), r.output());
    }

    @Test
    void runWebPrintsThePageAddressWithItsViewerToken(@TempDir Path dir) throws Exception {
        script(dir, "brief", "echo brief\n");
        CliProcess.Result r = CliProcess.runIn(dir, dir.resolve("home"), 60, "run", "--web", "./brief");
        assertEquals(0, r.exitCode(), r.output());
        assertTrue(Pattern.compile("live log page \\(the address includes its viewer token\\): http://127\\.0\\.0\\.1:\\d+/\\?token=[0-9a-f]{16,}")
                .matcher(r.output()).find(), r.output());
    }

    @Test
    void helpOnEveryCommandExitsZeroAndTheListHasWholeSentences(@TempDir Path dir) throws Exception {
        for (String command : List.of("demo", "run", "ps", "stats", "logs", "stop", "listen", "shell", "trace", "soak")) {
            for (String flag : command.equals("run") ? List.of("--help", "-h") : List.of(command.length() % 2 == 0 ? "-h" : "--help")) {
                CliProcess.Result r = CliProcess.run(dir, 60, command, flag);
                assertEquals(0, r.exitCode(), command + " " + flag + ":\n" + r.output());
                assertTrue(r.output().startsWith("Usage: umonitor " + command), r.output());
                assertFalse(r.output().contains("WARN"), "help formats cleanly:\n" + r.output());
            }
        }
        CliProcess.Result top = CliProcess.run(dir, 60, "--help");
        String list = top.output().substring(top.output().indexOf("Commands:"));
        // Each entry, its wrapped lines joined, is one sentence ending in a full stop.
        for (String entry : list.split("\\n(?=  \\S)")) {
            if (!entry.startsWith("Commands:")) {
                assertTrue(entry.strip().endsWith("."), "whole description: '" + entry + "'");
            }
        }
    }

    static int indexOf(List<String> lines, String text) {
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).contains(text)) {
                return i;
            }
        }
        return -1;
    }
}
