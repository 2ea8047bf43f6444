package io.umonitor.examples.fleet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.umonitor.otlp.OtlpReceiver;
import io.umonitor.testkit.CClientGuests;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three monitors in three JVMs, as on three provider nodes, each with its own host name and the same
 * guest names, export over OTLP to one receiver: every guest record arrives exactly once, attributed to
 * the right host and guest (and run: a launch id of its own), its typed attributes intact. The receiver stands in for an OpenTelemetry
 * Collector (none can be installed on our test machines) and decodes with the official OTLP protobuf
 * classes over real HTTP.
 */
@Timeout(180)
class FleetIT {
    private static final int HOSTS = 3;
    private static final int GUESTS = 2;
    private static final int RECORDS = 300;
    /** The rsyslog case: records 10 ms apart, so the guests send for several seconds around the outage. */
    private static final int PACED_RECORDS = 800;
    private static final int PAUSE_MS = 10;
    /** How long rsyslog is stopped mid-stream (issue 16). */
    private static final Duration OUTAGE = Duration.ofSeconds(5);
    private static final String GUEST_SOURCE = """
            #define _POSIX_C_SOURCE 199309L
            #include <stdlib.h>
            #include <time.h>
            #include "umonitor_log.h"

            /* sensor COUNT [PAUSE_MS]: COUNT records, PAUSE_MS apart. */
            int main(int argc, char **argv)
            {
                int count = argc > 1 ? atoi(argv[1]) : 10;
                int pause = argc > 2 ? atoi(argv[2]) : 0;
                struct timespec ts = { pause / 1000, (pause % 1000) * 1000000L };
                int i;
                if (umon_init_from_env() != UMON_OK)
                    return 2;
                for (i = 0; i < count; i++) {
                    umon_attr attrs[3];
                    attrs[0] = UMON_A_I64("reading", 1000 + i);
                    attrs[1] = UMON_A_F64("celsius", i * 0.5);
                    attrs[2] = UMON_A_BOOL("alarm", i % 10 == 0);
                    send_log_attrs(UMON_INFO, attrs, 3, "reading %d", i);
                    if (pause > 0)
                        nanosleep(&ts, NULL);
                }
                umon_shutdown("done");
                return 0;
            }
            """;

    private static Path guest;

    @BeforeAll
    static void compileGuest(@TempDir Path dir) throws Exception {
        guest = CClientGuests.compile(dir, "sensor", GUEST_SOURCE);
    }

    @Test
    void everyRecordOfEveryHostArrivesOnceAttributedToItsHostAndGuest(@TempDir Path dir) throws Exception {
        try (OtlpReceiver otlp = OtlpReceiver.http(0)) {
            List<Process> members = new ArrayList<>();
            List<Path> outputs = new ArrayList<>();
            for (int h = 1; h <= HOSTS; h++) {
                Path output = dir.resolve("node-" + h + ".out");
                outputs.add(output);
                members.add(member(dir.resolve("node-" + h), output, Integer.toString(RECORDS), "otlp.endpoint=" + otlp.endpoint(),
                        "otlp.hostName=node-" + h));
            }
            for (int h = 0; h < HOSTS; h++) {
                assertTrue(members.get(h).waitFor(120, TimeUnit.SECONDS), "node " + (h + 1) + " did not finish");
                String out = Files.readString(outputs.get(h), StandardCharsets.UTF_8);
                assertEquals(0, members.get(h).exitValue(), out);
                assertTrue(out.contains("fleet member done"), out);
            }

            Map<String, Set<Long>> sequences = new HashMap<>();
            Map<String, Set<String>> launchIds = new HashMap<>();
            for (OtlpReceiver.Received r : otlp.received) {
                if (!r.attribute("umonitor.origin").getStringValue().equals("tcp")) {
                    continue;
                }
                String key = r.resource().get("host.name").getStringValue() + "/" + r.service();
                assertEquals(0, r.resource().get("umonitor.restart").getIntValue(), key);
                launchIds.computeIfAbsent(r.resource().get("service.instance.id").getStringValue(), k -> new TreeSet<>())
                        .add(key);
                long sequence = r.attribute("umonitor.sequence").getIntValue();
                assertTrue(sequences.computeIfAbsent(key, k -> new TreeSet<>()).add(sequence),
                        key + " sequence " + sequence + " arrived twice");
                assertEquals("reading " + sequence, r.record().getBody().getStringValue());
                assertEquals(1000 + sequence, r.attribute("reading").getIntValue());
                assertEquals(sequence * 0.5, r.attribute("celsius").getDoubleValue());
                assertEquals(sequence % 10 == 0, r.attribute("alarm").getBoolValue());
            }
            assertEquals(HOSTS * GUESTS, sequences.size(), "every host's every guest: " + sequences.keySet());
            assertEquals(HOSTS * GUESTS, launchIds.size(), "a launch id of its own for each guest of each host");
            assertTrue(launchIds.values().stream().allMatch(keys -> keys.size() == 1), "one guest per launch id: " + launchIds);
            for (int h = 1; h <= HOSTS; h++) {
                for (int g = 1; g <= GUESTS; g++) {
                    assertEquals(RECORDS, sequences.get("node-" + h + "/sensor-" + g).size(),
                            "node-" + h + "/sensor-" + g);
                }
            }
        }
    }

    /**
     * The same fleet forwarding to one real rsyslog over TLS (RFC 5425, a test CA made with openssl), the
     * syslog pipeline of docs/fleet.md, with rsyslog stopped for 5 s mid-stream and started again: every
     * guest record arrives under its node's HOSTNAME and its guest's APP-NAME, its attributes and its run
     * (launch id, restart 0) as structured data, and a record that did not arrive is one the node counted
     * dropped (the forwarding buffer keeps what is sent meanwhile, so with the default 8 MiB none is).
     */
    @Test
    void rsyslogStoppedFor5sMidStream_everyRecordOfEveryHostArrivesUnderItsHostAndGuestOrIsCounted(@TempDir Path dir)
            throws Exception {
        assumeTrue(CClientGuests.onPath("rsyslogd") && CClientGuests.onPath("openssl"),
                "needs rsyslog, rsyslog-gnutls and openssl: apt-get install rsyslog rsyslog-gnutls openssl");
        Path ca = dir.resolve("ca");
        Files.createDirectories(ca);
        run(dir, "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=fleet CA",
                "-keyout", ca + "/ca.key", "-out", ca + "/ca.pem");
        run(dir, "openssl", "req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=localhost", "-keyout",
                ca + "/server.key", "-out", ca + "/server.csr");
        Files.writeString(ca.resolve("ext.cnf"), "subjectAltName=DNS:localhost,IP:127.0.0.1\n");
        run(dir, "openssl", "x509", "-req", "-in", ca + "/server.csr", "-CA", ca + "/ca.pem", "-CAkey", ca + "/ca.key",
                "-CAcreateserial", "-days", "2", "-extfile", ca + "/ext.cnf", "-out", ca + "/server.pem");
        int port;
        try (java.net.ServerSocket probe = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = probe.getLocalPort();
        }
        Path received = dir.resolve("received.log");
        Files.createDirectories(dir.resolve("rsyslog-work"));
        Path conf = dir.resolve("rsyslog.conf");
        Files.writeString(conf, "global(workDirectory=\"" + dir.resolve("rsyslog-work") + "\""
                + " DefaultNetstreamDriverCAFile=\"" + ca.resolve("ca.pem") + "\""
                + " DefaultNetstreamDriverCertFile=\"" + ca.resolve("server.pem") + "\""
                + " DefaultNetstreamDriverKeyFile=\"" + ca.resolve("server.key") + "\")\n"
                + "module(load=\"imtcp\" StreamDriver.Name=\"gtls\" StreamDriver.Mode=\"1\" StreamDriver.AuthMode=\"anon\")\n"
                + "input(type=\"imtcp\" port=\"" + port + "\" address=\"127.0.0.1\")\n"
                + "template(name=\"f\" type=\"string\" string=\"%hostname%|%app-name%|%msgid%|%structured-data%|%msg%\\n\")\n"
                + "action(type=\"omfile\" file=\"" + received + "\" template=\"f\")\n");
        Process rsyslog = rsyslog(dir, conf);
        List<Process> members = new ArrayList<>();
        try {
            List<Path> outputs = new ArrayList<>();
            for (int h = 1; h <= HOSTS; h++) {
                Path output = dir.resolve("node-" + h + ".out");
                outputs.add(output);
                members.add(member(dir.resolve("node-" + h), output, PACED_RECORDS + "," + PAUSE_MS,
                        "syslog.forward.address=127.0.0.1:" + port, "syslog.forward.tls=true",
                        "syslog.forward.tlsCa=" + ca.resolve("ca.pem"), "syslog.forward.hostname=node-" + h,
                        "syslog.forward.reconnectMaxMs=500"));
            }
            // Mid-stream: once every node's records are arriving, rsyslog goes away for OUTAGE.
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
            while (!everyHostArriving(received)) {
                assertTrue(System.nanoTime() < deadline, "every node's records arriving before the outage");
                Thread.sleep(50);
            }
            rsyslog.destroy();
            assertTrue(rsyslog.waitFor(20, TimeUnit.SECONDS), "rsyslog stopped");
            java.time.Instant stoppedAt = java.time.Instant.now();
            Thread.sleep(OUTAGE.toMillis()); // the outage itself, not a wait for something
            java.time.Instant restartedAt = java.time.Instant.now();
            rsyslog = rsyslog(dir, conf);

            Map<String, Long> dropped = new HashMap<>();
            java.util.regex.Pattern statsLine = java.util.regex.Pattern.compile(
                    "stats (\\S+) LogStats\\[received=\\d+, lost=\\d+, rejected=\\d+, dropped=(\\d+)\\]");
            for (int h = 0; h < HOSTS; h++) {
                assertTrue(members.get(h).waitFor(120, TimeUnit.SECONDS), "node " + (h + 1) + " did not finish");
                String out = Files.readString(outputs.get(h), StandardCharsets.UTF_8);
                assertEquals(0, members.get(h).exitValue(), out);
                assertTrue(out.contains("fleet member done"), out);
                java.util.regex.Matcher m = statsLine.matcher(out);
                while (m.find()) {
                    dropped.put("node-" + (h + 1) + "/" + m.group(1), Long.parseLong(m.group(2)));
                }
            }
            java.util.regex.Pattern seq = java.util.regex.Pattern.compile(" seq=\"(\\d+)\"");
            java.util.regex.Pattern receivedAt = java.util.regex.Pattern.compile(" receivedAt=\"([^\"]+)\"");
            Map<String, Set<Long>> sequences = new HashMap<>();
            long duplicates = 0;
            long sentDuringOutage = 0;
            deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (true) {
                sequences.clear();
                duplicates = 0;
                sentDuringOutage = 0;
                for (String line : lines(received)) {
                    String[] f = line.split("\\|", 5);
                    if (f.length < 5 || !f[2].equals("TCP")) {
                        continue;
                    }
                    java.util.regex.Matcher m = seq.matcher(f[3]);
                    assertTrue(m.find(), line);
                    long sequence = Long.parseLong(m.group(1));
                    if (!sequences.computeIfAbsent(f[0] + "/" + f[1], k -> new TreeSet<>()).add(sequence)) {
                        duplicates++; // resent after the reconnect: SyslogWithRsyslogIT counts these against resends
                    }
                    assertEquals("reading " + sequence, f[4]);
                    assertTrue(f[3].contains(" reading=\"" + (1000 + sequence) + "\"") && f[3].contains(" celsius=\"")
                            && f[3].contains(" alarm=\"" + (sequence % 10 == 0) + "\""), line);
                    assertTrue(f[3].matches(".* launch=\"[0-9a-f-]{36}\" restart=\"0\".*"), "the run: " + line);
                    java.util.regex.Matcher at = receivedAt.matcher(f[3]);
                    assertTrue(at.find(), line);
                    java.time.Instant t = java.time.Instant.parse(at.group(1));
                    if (t.isAfter(stoppedAt) && t.isBefore(restartedAt)) {
                        sentDuringOutage++;
                    }
                }
                long missing = 0;
                for (int h = 1; h <= HOSTS; h++) {
                    for (int g = 1; g <= GUESTS; g++) {
                        missing += PACED_RECORDS - sequences.getOrDefault("node-" + h + "/sensor-" + g, Set.of()).size();
                    }
                }
                if (missing <= dropped.values().stream().mapToLong(Long::longValue).sum()
                        || System.nanoTime() > deadline) {
                    break;
                }
                Thread.sleep(100);
            }
            StringBuilder summary = new StringBuilder("rsyslog down " + Duration.between(stoppedAt, restartedAt)
                    .toMillis() + " ms; records the nodes received during the outage and rsyslog stored later "
                    + sentDuringOutage + "; duplicates (resent) " + duplicates + "; per node/guest arrived+dropped:");
            for (int h = 1; h <= HOSTS; h++) {
                for (int g = 1; g <= GUESTS; g++) {
                    String key = "node-" + h + "/sensor-" + g;
                    summary.append(' ').append(key).append('=')
                            .append(sequences.getOrDefault(key, Set.of()).size()).append('+').append(dropped.get(key));
                }
            }
            System.out.println("fleet over TLS with outage: " + summary);
            // What an operator finds in the central rsyslog's file (hostname|app-name|msgid|structured data|msg).
            List<String> stored = lines(received);
            stored.stream().limit(3).forEach(l -> System.out.println("rsyslog stored: " + l));
            stored.stream().skip(Math.max(3, stored.size() - 3)).forEach(l -> System.out.println("rsyslog stored: " + l));
            assertTrue(sentDuringOutage > 0, "the outage was mid-stream: " + summary);
            for (int h = 1; h <= HOSTS; h++) {
                for (int g = 1; g <= GUESTS; g++) {
                    String key = "node-" + h + "/sensor-" + g;
                    long arrived = sequences.getOrDefault(key, Set.of()).size();
                    assertTrue(dropped.containsKey(key), "node's counters of " + key + ": " + summary);
                    assertTrue(PACED_RECORDS - arrived <= dropped.get(key),
                            "what is missing is at most what the node counted dropped: " + summary);
                }
            }
        } finally {
            members.forEach(Process::destroy);
            rsyslog.destroy();
            rsyslog.waitFor(10, TimeUnit.SECONDS);
        }
    }

    private static Process rsyslog(Path dir, Path conf) throws Exception {
        return new ProcessBuilder("rsyslogd", "-n", "-f", conf.toString(), "-i", dir.resolve("rsyslogd.pid").toString())
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("rsyslogd.out")
                        .toFile())).start();
    }

    /** Whether rsyslog has stored records of every node already. */
    private static boolean everyHostArriving(Path received) {
        Map<String, Integer> perHost = new HashMap<>();
        for (String line : lines(received)) {
            String[] f = line.split("\\|", 5);
            if (f.length == 5 && f[2].equals("TCP")) {
                perHost.merge(f[0], 1, Integer::sum);
            }
        }
        return perHost.size() == HOSTS && perHost.values().stream().allMatch(n -> n >= 20);
    }

    private static List<String> lines(Path file) {
        try {
            return Files.exists(file) ? Files.readAllLines(file, StandardCharsets.UTF_8) : List.of();
        } catch (java.io.IOException | java.io.UncheckedIOException e) {
            return List.of(); // a line being written: read again
        }
    }

    private static void run(Path dir, String... command) throws Exception {
        Process p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0, String.join(" ", command) + ": " + out);
    }

    private static Process member(Path state, Path output, String guestArguments, String... settings) throws Exception {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java")
                .toString(), "-Xmx256m", "-cp", System.getProperty("java.class.path"), FleetMember.class.getName(),
                state.toString(), guest.toString(), Integer.toString(GUESTS), guestArguments));
        command.addAll(List.of(settings));
        return new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(output.toFile()).start();
    }
}
