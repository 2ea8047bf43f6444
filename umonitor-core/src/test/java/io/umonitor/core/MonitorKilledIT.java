package io.umonitor.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.umonitor.core.backend.process.ProcessBackend;
import io.umonitor.testkit.Await;
import io.umonitor.testkit.NetworkNamespaces;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A monitor killed with SIGKILL (in a JVM of its own, {@link MonitorKilledChild}): the next monitor that
 * shares its state directory kills the guest processes and removes the tap it left behind, found through
 * its state files and the tap name prefix, never a process it did not record; and every record the file
 * sink acknowledged (flushed) before the kill is in the file.
 */
@Timeout(60)
class MonitorKilledIT {
    private static final Pattern NUMBERED = Pattern.compile(" n=(\\d+)$");

    @TempDir
    Path dir;

    @Test
    void theNextMonitorRemovesWhatAKilledOneLeftAndAcknowledgedRecordsAreInTheFiles() throws Exception {
        Path state = dir.resolve("state");
        Path logs = dir.resolve("logs");
        String candidate = "umt-reliability-" + Long.toHexString(System.nanoTime() & 0xffffff);
        boolean taps = ProcessHandle.current().info().user().orElse("").equals("root")
                && Files.exists(Path.of("/dev/net/tun")) && Files.isExecutable(Path.of("/usr/sbin/ip"))
                && namespaceCanBeEntered(candidate);
        String namespace = taps ? candidate : "-";
        Process decoy = new ProcessBuilder("sleep", "300").start(); // the same command, never recorded
        Process child = null;
        List<ProcessHandle> guests = new ArrayList<>();
        try {
            String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
            Path stderr = dir.resolve("child-stderr.txt");
            child = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
                    MonitorKilledChild.class.getName(), state.toString(), dir.resolve("work").toString(),
                    logs.toString(), namespace).redirectError(stderr.toFile()).start();
            List<String> out = new CopyOnWriteArrayList<>();
            BufferedReader reader = new BufferedReader(new InputStreamReader(child.getInputStream(),
                    StandardCharsets.UTF_8));
            Thread pump = new Thread(() -> {
                try {
                    for (String line; (line = reader.readLine()) != null; ) {
                        out.add(line);
                    }
                } catch (IOException ignored) {
                    // the child is gone
                }
            });
            pump.start();
            Process running = child;
            Await.check("the child monitor's guests and 2,000 acknowledged records", Duration.ofSeconds(40), () -> {
                if (!running.isAlive()) {
                    throw new AssertionError("the child monitor died: " + Files.readString(stderr));
                }
                return out.contains("TALKER") && lastAck(out) >= 2000;
            });
            String sleeperLine = out.stream().filter(l -> l.startsWith("SLEEPER")).findFirst().orElseThrow();
            List<String> tapNames = taps ? List.of(sleeperLine.substring("SLEEPER ".length()).split(",")) : List.of();
            if (taps) {
                assertEquals(1, tapNames.size(), sleeperLine);
                assertTrue(tapNames.get(0).startsWith("umr"), sleeperLine);
            }
            List<Properties> records = runRecords(state);
            assertEquals(2, records.size(), "one run-state record per running guest");
            for (Properties r : records) {
                guests.add(ProcessHandle.of(Long.parseLong(r.getProperty("pid"))).orElseThrow());
            }

            child.destroyForcibly(); // SIGKILL
            assertTrue(child.waitFor(20, TimeUnit.SECONDS));
            assertEquals(137, child.exitValue(), "killed by SIGKILL");
            pump.join(10_000);
            long acknowledged = lastAck(out);
            String lastAcknowledged = out.stream().filter(l -> l.startsWith("ACK ")).reduce((a, b) -> b).orElseThrow()
                    .split(" ", 3)[2];

            assertTrue(guests.get(0).isAlive() || guests.get(1).isAlive(), "a guest outlived its monitor");
            if (taps) {
                assertTrue(interfaces(namespace).contains(tapNames.get(0)), "the tap outlived its monitor");
            }

            // The next monitor on the same state directory.
            Monitor.Builder next = Monitor.builder().discoverProviders(false).backend(new ProcessBackend())
                    .stateDirectory(state).workDirectory(dir.resolve("work2"));
            if (taps) {
                next.networkProvisioner(io.umonitor.core.network.tap.LinuxTapProvisioner.builder()
                        .namespace(namespace).prefix("umr").build());
            }
            try (Monitor monitor = next.build()) {
                Await.until("the leftover guests to die", Duration.ofSeconds(10),
                        () -> guests.stream().noneMatch(ProcessHandle::isAlive));
                assertTrue(decoy.isAlive(), "a process with the same command that no monitor recorded is left alone");
                assertEquals(List.of(), runRecords(state), "the leftover records are removed");
                if (taps) {
                    assertFalse(interfaces(namespace).contains(tapNames.get(0)), "the leftover tap is removed");
                }
            }

            // Everything acknowledged before the kill is in the file, in order, with nothing in between missing.
            List<Long> numbers = new ArrayList<>();
            for (String line : Files.readAllLines(logs.resolve("talker.log"), StandardCharsets.UTF_8)) {
                Matcher m = NUMBERED.matcher(line);
                if (m.find()) {
                    numbers.add(Long.parseLong(m.group(1)));
                }
            }
            assertTrue(numbers.size() >= acknowledged, numbers.size() + " records in the file, "
                    + acknowledged + " acknowledged");
            assertTrue(numbers.contains(Long.parseLong(lastAcknowledged.substring(2))),
                    "the last acknowledged record " + lastAcknowledged + " is in the file");
            for (int i = 1; i < numbers.size(); i++) {
                assertTrue(numbers.get(i) > numbers.get(i - 1), "in order at line " + i);
            }
        } finally {
            if (child != null) {
                child.destroyForcibly().waitFor(20, TimeUnit.SECONDS);
            }
            guests.forEach(ProcessHandle::destroyForcibly);
            decoy.destroyForcibly().waitFor(20, TimeUnit.SECONDS);
            if (taps) {
                run("ip", "netns", "delete", namespace);
            }
        }
    }

    private static long lastAck(List<String> out) {
        return out.stream().filter(l -> l.startsWith("ACK ")).mapToLong(l -> Long.parseLong(l.split(" ")[1]))
                .reduce((a, b) -> b).orElse(0);
    }

    private static List<Properties> runRecords(Path state) throws IOException {
        Path guests = state.resolve("guests");
        List<Properties> records = new ArrayList<>();
        if (!Files.isDirectory(guests)) {
            return records;
        }
        try (Stream<Path> files = Files.list(guests)) {
            for (Path f : files.filter(p -> p.getFileName().toString().endsWith(".run")).toList()) {
                Properties p = new Properties();
                try (Reader in = Files.newBufferedReader(f)) {
                    p.load(in);
                }
                records.add(p);
            }
        }
        return records;
    }

    private static List<String> interfaces(String namespace) throws Exception {
        Process p = new ProcessBuilder("ip", "-netns", namespace, "-o", "link", "show").start();
        String text = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        p.waitFor(10, TimeUnit.SECONDS);
        List<String> names = new ArrayList<>();
        for (String line : text.split("\n")) {
            String[] parts = line.split(": ");
            if (parts.length > 1) {
                names.add(parts[1].split("@")[0]);
            }
        }
        return names;
    }

    /**
     * Creates {@code name} and tells whether it can be entered: inside a chroot (a debootstrap "fresh
     * machine") {@code ip -n} fails on "mount --make-rslave /", and the test then runs without a tap.
     */
    private static boolean namespaceCanBeEntered(String name) throws Exception {
        Optional<String> unusable = NetworkNamespaces.createEnterable(name);
        unusable.ifPresent(why -> System.out.println("MonitorKilledIT: no tap in this run: " + why));
        return unusable.isEmpty();
    }

    private static void run(String... command) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(20, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new AssertionError(String.join(" ", command) + " failed: " + output);
        }
    }
}
