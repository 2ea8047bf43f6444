package io.umonitor.examples.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.umonitor.api.GuestClock;
import io.umonitor.api.LogLevel;
import io.umonitor.protocol.FrameEncoder;
import io.umonitor.protocol.Goodbye;
import io.umonitor.protocol.Hello;
import io.umonitor.protocol.RecordFrame;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * `umonitor listen` as an operator uses it: the token from a file (never on the command line), an attached
 * sender listed by `ps` with its counters, its log file deleted and SIGHUP making the next records land in a
 * fresh file at the path, and a reachable address without a token refused with the fix in the message.
 */
class ListenAttachIT {
    private static final String TOKEN = "0123456789abcdef0123456789abcdef";

    private static void send(int port, String name, long session, int from, int count) throws Exception {
        FrameEncoder encoder = new FrameEncoder();
        try (Socket s = new Socket("127.0.0.1", port)) {
            OutputStream out = s.getOutputStream();
            out.write(encoder.encode(new Hello(name, TOKEN, "it", "1", session)));
            for (int i = from; i < from + count; i++) {
                out.write(encoder.encode(new RecordFrame(i, GuestClock.WALL, System.currentTimeMillis() * 1_000_000L,
                        LogLevel.INFO, "it", "attached record " + i, List.of())));
            }
            out.write(encoder.encode(new Goodbye(from + count, 0, "done")));
            s.shutdownOutput();
            s.setSoTimeout(10_000);
            while (s.getInputStream().read() >= 0) {
                // until the collector closes
            }
        }
    }

    /** Waits up to {@code millis} for {@code condition}; says whether it came true. */
    private static boolean await(BooleanSupplier condition, long millis) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            Thread.sleep(20);
        }
        return true;
    }

    private static void await(String what, BooleanSupplier condition) throws InterruptedException {
        if (!await(condition, 20_000)) {
            throw new AssertionError("timed out waiting for " + what);
        }
    }

    private static String read(Path file) {
        try {
            return Files.exists(file) ? Files.readString(file, StandardCharsets.UTF_8) : "";
        } catch (java.io.IOException e) {
            return "";
        }
    }

    @Test
    void listenTakesItsTokenFromAFileListsAttachedSendersAndReopensItsFilesOnSighup(@TempDir Path home)
            throws Exception {
        Path tokenFile = home.resolve("token");
        Files.writeString(tokenFile, TOKEN + "\n");
        Path output = home.resolve("listen.out");
        Process listen = CliProcess.start(home, output, "listen", "--token-file", tokenFile.toString());
        try {
            await("the printed TCP address", () -> read(output).contains("UMONITOR_TCP=127.0.0.1:"));
            Matcher m = Pattern.compile("UMONITOR_TCP=127\\.0\\.0\\.1:(\\d+)").matcher(read(output));
            assertTrue(m.find(), read(output));
            int port = Integer.parseInt(m.group(1));
            assertFalse(listen.info().commandLine().orElse("").contains(TOKEN), "the token is not on the command line");

            send(port, "att-1", 7, 0, 3);
            Path log = home.resolve("logs").resolve("att-1.log");
            await("the attached sender's file", () -> read(log).contains("attached record 2"));
            CliProcess.Result ps = CliProcess.run(home, 30, "ps");
            // NAME BACKEND STATE PID OWNER AGE CPU% MEM RESTARTS RECORDS LOST REJECTED
            assertTrue(ps.output().matches("(?s).*att-1\\s+attached\\s+ATTACHED\\s+-\\s+listen \\(pid \\d+\\)\\s+-\\s+-\\s+-\\s+-"
                    + "\\s+3\\s+0\\s+0.*"), ps.output());

            Files.delete(log); // as an operator freeing space, or logrotate without copytruncate
            assertEquals(0, new ProcessBuilder("kill", "-HUP", Long.toString(listen.pid())).start().waitFor());
            // The signal is handled on a thread of its own: records written before it took effect still go to
            // the deleted file, as with rsyslog. So send one record at a time until one lands at the path.
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            int next = 3;
            while (!read(log).contains("attached record")) {
                assertTrue(System.nanoTime() < deadline, "no record sent after SIGHUP reached a fresh file at "
                        + log + " within 20 s (records 3 to " + (next - 1) + " sent)");
                send(port, "att-1", 7, next++, 1);
                await(() -> read(log).contains("attached record"), 500);
            }
            assertTrue(listen.isAlive(), "SIGHUP reopens the files; it does not stop listen");
        } finally {
            listen.destroy();
            listen.waitFor(20, TimeUnit.SECONDS);
        }
    }

    @Test
    void attachModeWithoutATokenOnAReachableAddressIsRefusedWithTheFix(@TempDir Path home) throws Exception {
        // Without --token, listen generates one; --token '' asks for none.
        CliProcess.Result r = CliProcess.run(home, 30, "listen", "--token", "", "-D", "log.tcpAddress=0.0.0.0:0");
        assertTrue(r.exitCode() != 0, r.output());
        assertTrue(r.output().contains("--token-file"), r.output());
    }
}
