package io.umonitor.examples.cli;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.umonitor.testkit.CClientGuests;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** `listen` prints a line a sender can paste; a real C client started with it is received and listed by `ps`. */
class ListenCommandIT {
    @Test
    void thePrintedLineIsEnoughForTheCClientAndPsListsTheSender(@TempDir Path dir) throws Exception {
        Path sender = CClientGuests.compile(dir, "sender", """
                #include "umonitor_log.h"
                #include <stdio.h>
                #include <unistd.h>
                int main(void) {
                    if (umon_init_from_env() != 0) { fprintf(stderr, "init failed: %s\\n", umon_init_error()); return 1; }
                    for (int i = 0; i < 3; i++) send_log(UMON_INFO, "attached record %d", i);
                    umon_client_flush(umon_default_client(), 2000);
                    sleep(30);
                    umon_shutdown("done");
                    return 0;
                }
                """);

        Path home = dir.resolve("home");
        Path out = dir.resolve("listen.out");
        Process listen = CliProcess.start(home, out, "listen", "--name", "probe-1");
        Process client = null;
        try {
            String line = null;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (line == null && System.nanoTime() < deadline) {
                Matcher m = Pattern.compile("(?m)^  (UMONITOR_NAME=\\S+ .*)$").matcher(Files.readString(out));
                line = m.find() ? m.group(1) : null;
                Thread.sleep(100);
            }
            String printed = Files.readString(out);
            assertTrue(line != null, printed);
            assertTrue(line.matches("UMONITOR_NAME=probe-1 UMONITOR_TOKEN=[0-9a-f]{32} UMONITOR_TCP=127\\.0\\.0\\.1:\\d+ UMONITOR_UDP=127\\.0\\.0\\.1:\\d+"),
                    line);
            String token = line.replaceAll(".*UMONITOR_TOKEN=(\\S+).*", "$1");
            assertTrue(printed.contains("generated token " + token), "the generated token is said as such:\n" + printed);

            // Paste the line in front of the sender, as the user would.
            List<String> command = new ArrayList<>(List.of("env"));
            command.addAll(List.of(line.split(" ")));
            command.add(sender.toString());
            client = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(dir.resolve("sender.out").toFile()).start();
            PsAndLogsIT.awaitOutput(home, "attached record 2", "logs", "probe-1");
            CliProcess.Result ps = PsAndLogsIT.awaitOutput(home, "probe-1\\s+attached\\s+ATTACHED", "ps");
            assertTrue(Pattern.compile("(?m)^probe-1\\s+attached\\s+ATTACHED\\s+-\\s+listen \\(pid " + listen.pid() + "\\)").matcher(ps.output()).find(),
                    ps.output());
        } finally {
            if (client != null) {
                client.destroy();
            }
            listen.destroy();
            assertTrue(listen.waitFor(30, TimeUnit.SECONDS));
        }
    }
}
