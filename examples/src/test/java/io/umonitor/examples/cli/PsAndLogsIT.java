package io.umonitor.examples.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Names unique across monitors, `ps` columns, and `logs` filters, merging and JSON, against running commands. */
class PsAndLogsIT {

    static CliProcess.Result awaitOutput(Path home, String pattern, String... args) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(45);
        CliProcess.Result r;
        do {
            r = CliProcess.run(home, 30, args);
        } while (!Pattern.compile(pattern, Pattern.DOTALL).matcher(r.output()).find() && System.nanoTime() < deadline);
        assertTrue(Pattern.compile(pattern, Pattern.DOTALL).matcher(r.output()).find(), "expected /" + pattern + "/ in:\n" + r.output());
        return r;
    }

    @Test
    void aSecondRunOfTheSameNameIsRefusedAndPsShowsPidOwnerAndAge(@TempDir Path dir) throws Exception {
        Path home = dir.resolve("home");
        Process first = CliProcess.start(home, dir.resolve("first.out"), "run", "--name", "dup", "/bin/sleep", "--", "60");
        try {
            CliProcess.Result ps = awaitOutput(home, "dup\\s+process\\s+RUNNING", "ps");
            Matcher row = Pattern.compile("(?m)^dup\\s+process\\s+RUNNING\\s+(\\d+)\\s+run \\(pid (\\d+)\\)\\s+(\\d+)s\\s+[\\d.]+\\s+[\\d.]+ [KMG]?i?B\\s+0\\s").matcher(ps.output());
            assertTrue(row.find(), "NAME BACKEND STATE PID OWNER AGE CPU% MEM RESTARTS:\n" + ps.output());
            long guestPid = Long.parseLong(row.group(1));
            assertEquals(first.pid(), Long.parseLong(row.group(2)), "the owner is the run command's JVM");
            assertTrue(ProcessHandle.of(guestPid).map(h -> h.info().command().orElse("").endsWith("sleep")).orElse(false),
                    "PID is the guest's process");

            CliProcess.Result second = CliProcess.run(home, 60, "run", "--name", "dup", "/bin/sleep", "--", "60");
            assertEquals(2, second.exitCode(), second.output());
            assertTrue(second.output().contains("the name 'dup' is in use by `umonitor run` (pid " + first.pid() + ")"),
                    second.output());
            assertTrue(second.output().contains("--name NAME"), second.output());
            assertEquals(1, ps("ps", home).split("\\n dup|\\ndup ", -1).length - 1, "still one dup");

        } finally {
            first.destroy();
            first.waitFor(20, TimeUnit.SECONDS);
        }
    }

    @Test
    void psHidesEndedGuestsOfARunningShellUnlessAskedWithA(@TempDir Path dir) throws Exception {
        Path home = dir.resolve("home");
        RunCommandIT.script(dir, "quick", "echo quick\n");
        try (CliTerminal shell = CliTerminal.start(home, dir, "shell")) {
            int at = shell.await("umonitor> ", 60);
            shell.type("run ./quick\r");
            shell.await("quick EXITED", at, 60);
            CliProcess.Result ps = CliProcess.run(home, 30, "ps");
            assertFalse(ps.output().contains("\nquick "), ps.output());
            assertTrue(ps.output().contains("1 ended unikernel(s) not shown: `umonitor ps -a` lists them"), ps.output());
            CliProcess.Result psAll = CliProcess.run(home, 30, "ps", "-a");
            assertTrue(Pattern.compile("(?m)^quick\\s+process\\s+EXITED\\s+-\\s+shell \\(pid \\d+\\)").matcher(psAll.output()).find(),
                    psAll.output());
            assertTrue(psAll.output().contains("0 NORMAL: exited normally"), psAll.output());
            shell.type("\u0004");
            assertTrue(shell.awaitExit(30));
        }
    }

    private static String ps(String command, Path home) throws Exception {
        return CliProcess.run(home, 30, command).output();
    }

    @Test
    void logsTailSinceTimestampsJsonAndSeveralGuestsMergedByTime(@TempDir Path dir) throws Exception {
        Path home = dir.resolve("home");
        // Two guests whose lines interleave in time; attributes come from the monitor's own records.
        RunCommandIT.script(dir, "alpha", "for i in 1 2 3 4 5; do echo \"alpha $i\"; sleep 0.05; done\n");
        RunCommandIT.script(dir, "beta", "for i in 1 2 3 4 5; do echo \"beta $i\"; sleep 0.05; done\nexit 4\n");
        Process a = CliProcess.startIn(dir, home, dir.resolve("a.out"), "run", "./alpha");
        Process b = CliProcess.startIn(dir, home, dir.resolve("b.out"), "run", "./beta");
        assertTrue(a.waitFor(60, TimeUnit.SECONDS) && b.waitFor(60, TimeUnit.SECONDS));

        CliProcess.Result both = CliProcess.run(home, 30, "logs", "alpha", "beta");
        assertEquals(0, both.exitCode(), both.output());
        List<String> lines = both.output().lines().toList();
        List<String> times = new ArrayList<>();
        for (String l : lines) {
            times.add(l.substring(0, 12));
            assertTrue(l.matches("\\d\\d:\\d\\d:\\d\\d\\.\\d{3} (alpha|beta) .*"), "each line names its guest: " + l);
        }
        assertEquals(times.stream().sorted().toList(), times, "merged by time:\n" + both.output());
        assertTrue(lines.stream().anyMatch(l -> l.contains("alpha 5")) && lines.stream().anyMatch(l -> l.contains("beta 5")));

        CliProcess.Result all = CliProcess.run(home, 30, "logs", "--all", "--grep", " 3");
        assertTrue(all.output().contains("alpha 3") && all.output().contains("beta 3"), all.output());

        CliProcess.Result tail = CliProcess.run(home, 30, "logs", "beta", "--tail", "2");
        assertEquals(2, tail.output().lines().count(), tail.output());
        assertTrue(tail.output().contains("exited: exit code 4"), tail.output());

        CliProcess.Result future = CliProcess.run(home, 30, "logs", "beta", "--since", Instant.now().plusSeconds(60).toString());
        assertEquals("", future.output(), "--since later than every record shows none");
        CliProcess.Result recent = CliProcess.run(home, 30, "logs", "beta", "--since", "10m", "-t");
        assertTrue(recent.output().lines().allMatch(l -> l.matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{6}Z .*")),
                "-t prints full timestamps:\n" + recent.output());
        assertEquals(lines.stream().filter(l -> l.contains(" beta ")).count(), recent.output().lines().count());
        CliProcess.Result until = CliProcess.run(home, 30, "logs", "beta", "--until", "10m");
        assertEquals("", until.output());
        CliProcess.Result bad = CliProcess.run(home, 30, "logs", "beta", "--since", "yesterday-ish");
        assertEquals(2, bad.exitCode());
        assertTrue(bad.output().contains("--since 10m"), bad.output());

        // JSON: attributes keyed by name with exact values and their types; the same from a text-only file.
        for (boolean textOnly : new boolean[] {false, true}) {
            if (textOnly) {
                Files.delete(home.resolve("logs").resolve("beta.jsonl"));
            }
            CliProcess.Result json = CliProcess.run(home, 30, "logs", "beta", "--json");
            assertEquals(0, json.exitCode(), json.output());
            JsonNode exited = null;
            for (String l : json.output().lines().toList()) {
                JsonNode n = RecordJson.MAPPER.readTree(l);
                if (n.path("attributes").path("event").asText().equals("exited")) {
                    exited = n;
                }
            }
            assertTrue(exited != null, (textOnly ? "from the text file: " : "") + json.output());
            // Exact: 64-bit integers are strings of digits, as in every JSON the project writes.
            assertEquals("4", exited.path("attributes").path("exit_code").asText(), exited.toString());
            assertEquals("int", exited.path("attributeTypes").path("exit_code").asText());
            assertEquals("FAILURE", exited.path("attributes").path("classification").asText());
        }
    }

    @Test
    void logsOfARunningGuestReadTheFileForWhatHistoryNoLongerHasAndFollowAllGetsNewRecords(@TempDir Path dir) throws Exception {
        Path home = dir.resolve("home");
        Path go = dir.resolve("go");
        RunCommandIT.script(dir, "chatty", "i=1\nwhile [ $i -le 30 ]; do echo \"chat $i\"; i=$((i+1)); done\n"
                + "while [ ! -e " + go + " ]; do sleep 0.1; done\necho 'late line'\nsleep 60\n");
        // A history of 5 records: the other 30 are only in the file.
        Process run = CliProcess.startIn(dir, home, dir.resolve("run.out"), "run", "-D", "log.historySize=5", "./chatty");
        Process follow = null;
        try {
            CliProcess.Result logs = awaitOutput(home, "chat 30", "logs", "chatty");
            assertTrue(logs.output().contains("chat 1\n") && logs.output().contains("launched with backend"),
                    "the first records come from the file:\n" + logs.output());
            assertEquals(1, logs.output().split("chat 30\n", -1).length - 1, "nothing twice:\n" + logs.output());

            Path followed = dir.resolve("follow.out");
            follow = CliProcess.start(home, followed, "logs", "-f", "--all");
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (!Files.readString(followed).contains("chat 30") && System.nanoTime() < deadline) {
                Thread.sleep(100);
            }
            Files.writeString(go, "");
            deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (!Files.readString(followed).contains("late line") && System.nanoTime() < deadline) {
                Thread.sleep(100);
            }
            String shown = Files.readString(followed);
            assertTrue(shown.contains("chatty") && shown.contains("late line"), "-f --all shows records as they come:\n" + shown);
            assertEquals(1, shown.split("late line", -1).length - 1, shown);
        } finally {
            if (follow != null) {
                follow.destroy();
            }
            run.destroy();
            run.waitFor(30, TimeUnit.SECONDS);
        }
    }
}
