package io.umonitor.rumprun;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.umonitor.api.LogFilter;
import io.umonitor.api.LogOrigin;
import io.umonitor.api.LogRecord;
import io.umonitor.api.NetworkSpec;
import io.umonitor.api.UnikernelHandle;
import io.umonitor.api.UnikernelSpec;
import io.umonitor.core.Monitor;
import io.umonitor.core.sink.FileSink;
import io.umonitor.testkit.Await;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A QEMU guest's token stays secret from other local users: with the multiboot guest running under real
 * QEMU (TCG) and sending its records over UDP with the token its C client read from fw_cfg, uid 65534
 * finds the token nowhere in {@code ps}, in any process's command line or environment, or in any file it
 * can read under the monitor's directories, while every record arrives, authenticated. The token file
 * QEMU read is gone once the guest ends, and when the monitor closes with a guest still running.
 */
@Timeout(180)
class QemuTokenSecrecyIT {

    private static final int RECORDS = 40;

    @TempDir
    Path dir;

    @Test
    void anotherUserFindsNoTokenOfARunningQemuGuestWhoseRecordsArriveWithIt() throws Exception {
        assumeTrue("root".equals(System.getProperty("user.name")), "needs root to switch to uid 65534 with setpriv");
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/setpriv")), "needs setpriv (util-linux)");
        GuestBuilds.assumeQemu();
        Path guest = GuestBuilds.multibootGuest();
        // The temp dir itself is traversable, so only the monitor's own permissions keep uid 65534 out.
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        String name = "qsecret-" + ProcessHandle.current().pid();
        String leftRunning = name + "-b";
        Path secondTokenFile;
        try (Monitor monitor = Monitor.builder().discoverProviders(false).backend(new QemuBackend()).sink(new FileSink())
                .workDirectory(dir.resolve("work")).stateDirectory(dir.resolve("state"))
                .stopGrace(Duration.ofMillis(500)).build()) {
            UnikernelHandle handle = monitor.launch(hangingGuest(name, guest));
            String qemuCommandLine = awaitQemuCommandLine(name);
            Path tokenFile = fwCfgTokenFile(qemuCommandLine);
            String token = Files.readString(tokenFile, StandardCharsets.US_ASCII);
            assertTrue(token.matches("[0-9a-f]{32}"), "the token file holds the guest's token: " + token.length() + " characters");
            assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(tokenFile)));
            assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(tokenFile.getParent())));
            assertFalse(qemuCommandLine.contains(token), "the token is not on QEMU's command line");

            assertTrue(Await.within(Duration.ofSeconds(90), () -> udpRecords(monitor, name).size() == RECORDS),
                    "all " + RECORDS + " records arrived over UDP, got " + udpRecords(monitor, name).size() + ":\n"
                            + history(monitor, name));
            List<LogRecord> logs = monitor.logs(name, LogFilter.ALL);
            assertTrue(logs.stream().anyMatch(r -> r.message().equals("mbguest: token from fw_cfg, 32 characters")),
                    "the guest's client read the token from fw_cfg:\n" + history(monitor, name));
            assertEquals(RECORDS, udpRecords(monitor, name).stream().map(LogRecord::message).distinct().count());
            assertEquals(0, monitor.logStats(name).lost(), monitor.logStats(name).toString());

            String seen = asNobody("ps auxwwe; for f in /proc/[0-9]*/cmdline /proc/[0-9]*/environ; do "
                    + "tr '\\0' ' ' < \"$f\" 2>/dev/null; echo; done; "
                    + "find " + dir + " -xdev -type f -readable 2>/dev/null | while read f; do cat \"$f\"; done");
            assertTrue(seen.contains("umonitor.name=" + name) && seen.contains("name=opt/io.umonitor/token,file="),
                    "uid 65534 does see QEMU's command line with its fw_cfg file (the search is real)");
            assertEquals(0, occurrences(seen, token), "times uid 65534 found the guest's token");

            handle.stop(Duration.ofMillis(500));
            handle.termination().get(60, TimeUnit.SECONDS);
            assertFalse(Files.exists(tokenFile), "the token file is deleted when the guest ends");
            assertFalse(Files.exists(tokenFile.getParent()), "and its directory");

            monitor.launch(hangingGuest(leftRunning, guest));
            secondTokenFile = fwCfgTokenFile(awaitQemuCommandLine(leftRunning));
            assertTrue(Files.exists(secondTokenFile), secondTokenFile.toString());
        }
        assertFalse(Files.exists(secondTokenFile), "the monitor's close deletes the token file of a guest it stopped");
        assertFalse(Files.exists(secondTokenFile.getParent()), "and its directory");
    }

    @Test
    void withTheTokenOnTheCommandLineACopyFromPsIsRefusedAndTheGuestKeepsItsRecords() throws Exception {
        assumeTrue("root".equals(System.getProperty("user.name")), "needs root to switch to uid 65534 with setpriv");
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/setpriv")), "needs setpriv (util-linux)");
        GuestBuilds.assumeQemu();
        Path guest = GuestBuilds.multibootGuest();
        String name = "qlegacy-" + ProcessHandle.current().pid();
        try (Monitor monitor = Monitor.builder().discoverProviders(false).backend(new QemuBackend())
                .workDirectory(dir.resolve("work")).stateDirectory(dir.resolve("state"))
                .stopGrace(Duration.ofMillis(500)).build()) {
            monitor.launch(UnikernelSpec.builder(name, guest).backend("qemu").network(NetworkSpec.user("net0"))
                    .option("qemu.accel", "tcg").option("qemu.tokenOnCommandLine", "true")
                    .option("qemu.append", "test.end=hang test.records=" + RECORDS).build());
            assertTrue(Await.within(Duration.ofSeconds(90), () -> udpRecords(monitor, name).size() == RECORDS),
                    "the guest's own " + RECORDS + " records arrive:\n" + history(monitor, name));

            java.util.regex.Matcher copied = java.util.regex.Pattern.compile("umonitor\\.name=" + name
                    + " umonitor\\.token=([0-9a-f]{32})").matcher(asNobody("ps auxww"));
            assertTrue(copied.find(), "the exposure this setting documents: uid 65534 reads the token in ps");
            java.net.InetSocketAddress tcp = monitor.endpoints().stream()
                    .filter(e -> e.transport() == io.umonitor.api.CollectorEndpoint.Transport.TCP).findFirst()
                    .orElseThrow().address();
            io.umonitor.protocol.FrameEncoder encoder = new io.umonitor.protocol.FrameEncoder();
            try (java.net.Socket forger = new java.net.Socket(tcp.getAddress(), tcp.getPort())) {
                forger.getOutputStream().write(encoder.encode(new io.umonitor.protocol.Hello(name, copied.group(1),
                        "forger", "1", 424242)));
                forger.getOutputStream().write(encoder.encode(new io.umonitor.protocol.RecordFrame(0,
                        io.umonitor.api.GuestClock.WALL, 0, io.umonitor.api.LogLevel.ERROR, "forged", "FORGED: disk wiped",
                        List.of())));
                forger.shutdownOutput();
                forger.setSoTimeout(10_000);
                while (forger.getInputStream().read() >= 0) {
                    // until the collector closes it
                }
            } catch (java.io.IOException closed) {
                // refused while still writing
            }
            assertTrue(Await.within(Duration.ofSeconds(20), () -> monitor.logStats(name).rejected() == 1),
                    "the forgery is counted against the guest: " + monitor.logStats(name));
            assertTrue(monitor.logs(name, LogFilter.ALL).stream().noneMatch(r -> r.message().contains("FORGED")),
                    "no forged record stored:\n" + history(monitor, name));
            assertEquals(RECORDS, udpRecords(monitor, name).size(), "the guest's own records are all there");
        }
    }

    private static UnikernelSpec hangingGuest(String name, Path guest) {
        return UnikernelSpec.builder(name, guest).backend("qemu").network(NetworkSpec.user("net0"))
                .option("qemu.accel", "tcg").option("qemu.append", "test.end=hang test.records=" + RECORDS).build();
    }

    private static List<LogRecord> udpRecords(Monitor monitor, String name) {
        return monitor.logs(name, LogFilter.ALL).stream().filter(r -> r.origin() == LogOrigin.UDP && r.hasSequence())
                .toList();
    }

    private static String history(Monitor monitor, String name) {
        return monitor.logs(name, LogFilter.ALL).stream().map(r -> r.origin() + " " + r.level() + " " + r.message())
                .collect(Collectors.joining("\n"));
    }

    /** QEMU's command line as /proc shows it (arguments joined by spaces), once it runs. */
    private static String awaitQemuCommandLine(String name) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < deadline) {
            for (ProcessHandle p : ProcessHandle.current().descendants().toList()) {
                Optional<String> line = commandLine(p.pid());
                if (line.isPresent() && line.get().contains("qemu-system") && line.get().contains("umonitor.name=" + name + " ")) {
                    return line.get();
                }
            }
            Thread.sleep(20);
        }
        throw new AssertionError("QEMU of " + name + " did not start");
    }

    private static Optional<String> commandLine(long pid) {
        try {
            byte[] raw = Files.readAllBytes(Path.of("/proc", Long.toString(pid), "cmdline"));
            return Optional.of(new String(raw, StandardCharsets.UTF_8).replace('\0', '\n'));
        } catch (java.io.IOException e) {
            return Optional.empty();
        }
    }

    /** The file of {@code -fw_cfg name=opt/io.umonitor/token,file=PATH} (a comma in PATH is written as two). */
    private static Path fwCfgTokenFile(String commandLine) {
        List<String> args = List.of(commandLine.split("\n"));
        int i = args.indexOf("-fw_cfg");
        assertTrue(i >= 0 && i + 1 < args.size(), "QEMU gets the token by -fw_cfg: " + commandLine);
        String value = args.get(i + 1);
        String prefix = "name=opt/io.umonitor/token,file=";
        assertTrue(value.startsWith(prefix), value);
        return Path.of(value.substring(prefix.length()).replace(",,", ","));
    }

    private static int occurrences(String text, String token) {
        int n = 0;
        for (int at = text.indexOf(token); at >= 0; at = text.indexOf(token, at + 1)) {
            n++;
        }
        return n;
    }

    private static String asNobody(String script) throws Exception {
        Process p = new ProcessBuilder("/usr/bin/setpriv", "--reuid", "65534", "--regid", "65534", "--clear-groups",
                "--", "/bin/sh", "-c", script).redirectErrorStream(true).start();
        byte[] out = p.getInputStream().readAllBytes();
        assertTrue(p.waitFor(30, TimeUnit.SECONDS), "the search as uid 65534 finished");
        return new String(out, StandardCharsets.UTF_8);
    }
}
