package io.umonitor.examples.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code listen --syslog} and {@code run --syslog} with util-linux logger as the sender, as a user runs them. */
class SyslogCommandIT {
    @TempDir
    Path home;

    @BeforeEach
    void logger() throws Exception {
        Process p = new ProcessBuilder("sh", "-c", "command -v logger").start();
        Assumptions.assumeTrue(p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0,
                "util-linux logger is missing: apt-get install bsdutils");
    }

    @Test
    void runWithSyslogShowsTheGuestsSyslogRecordsWithOriginSyslog() throws Exception {
        CliProcess.Result result = CliProcess.run(home, 60, "run", "--syslog", "--backend", "process", "--name", "procg",
                "/bin/sh", "--", "-c", "logger --rfc5424 -T --octet-count -n \"${UMONITOR_SYSLOG%:*}\" "
                        + "-P \"${UMONITOR_SYSLOG##*:}\" -t procg -p user.err 'hello via run --syslog ✓'");

        assertEquals(0, result.exitCode(), result.output());
        assertTrue(result.output().matches("(?s).*ERROR\\s+syslog\\s+\\[procg\\] hello via run --syslog ✓.*"),
                result.output());
    }

    @Test
    void listenWithSyslogPrintsWhereItListensAndShowsMessagesUnderTheirAppName() throws Exception {
        int port;
        try (ServerSocket tcp = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
                DatagramSocket udp = new DatagramSocket(tcp.getLocalPort(), InetAddress.getLoopbackAddress())) {
            port = tcp.getLocalPort();
        }
        Path output = home.resolve("listen.out");
        Process listen = CliProcess.start(home, output, "listen", "--syslog=127.0.0.1:" + port);
        try {
            await(output, "listening: syslog UDP and TCP 127.0.0.1:" + port);
            Process logger = new ProcessBuilder("logger", "--rfc5424", "-d", "-n", "127.0.0.1", "-P",
                    Integer.toString(port), "-t", "web-1", "-p", "local0.warning", "attached by name").start();
            assertTrue(logger.waitFor(10, TimeUnit.SECONDS) && logger.exitValue() == 0);
            await(output, "[web-1] attached by name");
            assertTrue(Files.readString(output, StandardCharsets.UTF_8)
                    .matches("(?s).*WARN\\s+syslog\\s+\\[web-1\\] attached by name.*"));
        } finally {
            listen.destroy();
            listen.waitFor(20, TimeUnit.SECONDS);
        }
    }

    private static void await(Path output, String text) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!Files.readString(output, StandardCharsets.UTF_8).contains(text)) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("no '" + text + "' within 30 s:\n" + Files.readString(output));
            }
            Thread.sleep(50);
        }
    }
}
