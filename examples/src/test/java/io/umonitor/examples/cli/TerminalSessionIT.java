package io.umonitor.examples.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Ctrl-C, Ctrl-D, Tab and line editing in a real pseudo-terminal, with real process guests. */
class TerminalSessionIT {
    /** A guest that says which signal ended it: SIGTERM is umonitor's graceful stop, SIGINT would be the terminal's. */
    static Path signalReporter(Path dir) throws Exception {
        return RunCommandIT.script(dir, "sigguest", "trap 'echo \"got SIGTERM, cleaning up\"; exit 0' TERM\n"
                + "trap 'echo \"got SIGINT\"; exit 7' INT\necho ready\nwhile true; do sleep 0.1; done\n");
    }

    @Test
    void ctrlCInRunStopsTheGuestGracefullyAndShowsTheEnd(@TempDir Path dir) throws Exception {
        signalReporter(dir);
        Path home = dir.resolve("home");
        try (CliTerminal t = CliTerminal.start(home, dir, "run", "./sigguest")) {
            t.await("[stdout] ready", 60);
            t.await("running", 30);
            t.type("\u0003");
            assertTrue(t.awaitExit(30), "run ends after Ctrl-C:\n" + t.screen());
            String screen = t.screen();
            assertTrue(screen.contains("got SIGTERM, cleaning up"), "the guest's SIGTERM handler ran:\n" + screen);
            assertFalse(screen.contains("got SIGINT"), "the terminal's SIGINT reached only umonitor:\n" + screen);
            assertTrue(screen.contains("sigguest ended: stopped") && screen.contains("STOPPED"), screen);
        }
        String file = Files.readString(home.resolve("logs").resolve("sigguest.log"));
        assertTrue(file.contains("got SIGTERM, cleaning up"), file);
    }

    @Test
    void shellCtrlCCancelsTheLineCtrlDStopsGuestsAndHelpIsClean(@TempDir Path dir) throws Exception {
        signalReporter(dir);
        Path home = dir.resolve("home");
        try (CliTerminal t = CliTerminal.start(home, dir, "shell")) {
            int at = t.await("umonitor> ", 60);
            t.type("help\r");
            at = t.await("exit ", at, 30);
            String help = t.screen();
            assertFalse(help.contains("PicocliCommands"), help);
            assertEquals(1, help.split("\\n  help ", -1).length - 1, "help is listed once:\n" + help);

            t.type("run --name napper ./sigguest\r");
            at = t.await("launched napper (process)", at, 60);
            t.type("run ./nosuch\r");
            at = t.await("does not exist", at, 30);
            assertFalse(t.screen().contains("launched nosuch"), t.screen());
            assertFalse(t.screen().contains("\tat "), "no stack trace in the shell:\n" + t.screen());

            t.type("watch zeta\r");
            at = t.await("no unikernel or sender named 'zeta'", at, 30);

            // Tab completes a unikernel name.
            t.type("logs nap\t");
            at = t.await("logs napper", at, 30);
            t.type("\r");
            at = t.await("[stdout] ready", at, 30);

            t.type("logs --json --tail 1 napper\r");
            at = t.await("{\"time\":", at, 30);
            t.type("logs -f napper\r");
            at = t.await("[stdout] ready", at, 30);
            t.type("\u0003"); // ends following, not the shell
            at = t.await("(stopped following napper)", at, 30);

            // Ctrl-C cancels a half-typed line; the guest keeps running. Each key waits for the line editor to
            // show the last: the kernel discards unread typeahead on Ctrl-C, and its SIGINT reaches the JVM on a
            // thread of its own, maybe after keys typed later (a person types slower than both).
            at = t.await("umonitor> ", at, 30);
            t.type("stop nap");
            at = t.await("stop nap", at, 30);
            t.type("\u0003");
            at = t.await("umonitor> ", at, 30);
            t.type("ps\r");
            at = t.await("napper", at, 30);
            at = t.await("RUNNING", at, 30);
            assertFalse(t.screen().contains("got SIGINT"), t.screen());

            // Keys typed while a command runs wait for the next prompt, Enter and Ctrl-D included.
            t.type("ps\rwatch all\r");
            at = t.await("watching all", at, 30);
            // Ctrl-D the moment a command's output appears, before the next prompt: it must still leave.
            t.type("ps\r");
            at = t.await("RESTARTS", at, 30);
            t.type("\u0004"); // Ctrl-D: leave, stopping every unikernel
            assertTrue(t.awaitExit(60), "Ctrl-D leaves the shell:\n" + t.screen());
            assertEquals(0, t.exitCode(), t.screen());
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        String file = "";
        while (System.nanoTime() < deadline && !file.contains("got SIGTERM")) {
            file = Files.readString(home.resolve("logs").resolve("napper.log"));
            Thread.sleep(100);
        }
        assertTrue(file.contains("got SIGTERM, cleaning up"), "leaving the shell stopped the guest gracefully:\n" + file);
    }
}
