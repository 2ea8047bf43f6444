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
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three monitors in three JVMs, as on three provider nodes, each with its own host name and the same
 * guest names, export over OTLP to one receiver: every guest record arrives exactly once, attributed to
 * the right host and guest, its typed attributes intact. The receiver stands in for an OpenTelemetry
 * Collector (none can be installed on our test machines) and decodes with the official OTLP protobuf
 * classes over real HTTP.
 */
@Timeout(180)
class FleetIT {
    private static final int HOSTS = 3;
    private static final int GUESTS = 2;
    private static final int RECORDS = 300;
    private static final String GUEST_SOURCE = """
            #include <stdlib.h>
            #include "umonitor_log.h"

            int main(int argc, char **argv)
            {
                int count = argc > 1 ? atoi(argv[1]) : 10;
                int i;
                if (umon_init_from_env() != UMON_OK)
                    return 2;
                for (i = 0; i < count; i++) {
                    umon_attr attrs[3];
                    attrs[0] = UMON_A_I64("reading", 1000 + i);
                    attrs[1] = UMON_A_F64("celsius", i * 0.5);
                    attrs[2] = UMON_A_BOOL("alarm", i % 10 == 0);
                    send_log_attrs(UMON_INFO, attrs, 3, "reading %d", i);
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
                members.add(member(dir.resolve("node-" + h), output, "otlp.endpoint=" + otlp.endpoint(),
                        "otlp.hostName=node-" + h));
            }
            for (int h = 0; h < HOSTS; h++) {
                assertTrue(members.get(h).waitFor(120, TimeUnit.SECONDS), "node " + (h + 1) + " did not finish");
                String out = Files.readString(outputs.get(h), StandardCharsets.UTF_8);
                assertEquals(0, members.get(h).exitValue(), out);
                assertTrue(out.contains("fleet member done"), out);
            }

            Map<String, Set<Long>> sequences = new HashMap<>();
            for (OtlpReceiver.Received r : otlp.received) {
                if (!r.attribute("umonitor.origin").getStringValue().equals("tcp")) {
                    continue;
                }
                String key = r.resource().get("host.name").getStringValue() + "/" + r.service();
                long sequence = r.attribute("umonitor.sequence").getIntValue();
                assertTrue(sequences.computeIfAbsent(key, k -> new TreeSet<>()).add(sequence),
                        key + " sequence " + sequence + " arrived twice");
                assertEquals("reading " + sequence, r.record().getBody().getStringValue());
                assertEquals(1000 + sequence, r.attribute("reading").getIntValue());
                assertEquals(sequence * 0.5, r.attribute("celsius").getDoubleValue());
                assertEquals(sequence % 10 == 0, r.attribute("alarm").getBoolValue());
            }
            assertEquals(HOSTS * GUESTS, sequences.size(), "every host's every guest: " + sequences.keySet());
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
     * syslog pipeline of docs/fleet.md: every guest record arrives once, under its node's HOSTNAME and its
     * guest's APP-NAME, its attributes as structured data. (rsyslog stopped and restarted mid-stream is
     * {@code SyslogWithRsyslogIT}'s.)
     */
    @Test
    void everyRecordOfEveryHostReachesOneRsyslogOverTlsOnceUnderItsHostAndGuest(@TempDir Path dir) throws Exception {
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
        Process rsyslog = new ProcessBuilder("rsyslogd", "-n", "-f", conf.toString(), "-i",
                dir.resolve("rsyslogd.pid").toString()).redirectErrorStream(true)
                .redirectOutput(dir.resolve("rsyslogd.out").toFile()).start();
        try {
            List<Process> members = new ArrayList<>();
            List<Path> outputs = new ArrayList<>();
            for (int h = 1; h <= HOSTS; h++) {
                Path output = dir.resolve("node-" + h + ".out");
                outputs.add(output);
                members.add(member(dir.resolve("node-" + h), output, "syslog.forward.address=127.0.0.1:" + port,
                        "syslog.forward.tls=true", "syslog.forward.tlsCa=" + ca.resolve("ca.pem"),
                        "syslog.forward.hostname=node-" + h));
            }
            for (int h = 0; h < HOSTS; h++) {
                assertTrue(members.get(h).waitFor(120, TimeUnit.SECONDS), "node " + (h + 1) + " did not finish");
                String out = Files.readString(outputs.get(h), StandardCharsets.UTF_8);
                assertEquals(0, members.get(h).exitValue(), out);
                assertTrue(out.contains("fleet member done"), out);
            }
            java.util.regex.Pattern seq = java.util.regex.Pattern.compile(" seq=\"(\\d+)\"");
            Map<String, Set<Long>> sequences = new HashMap<>();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (true) {
                sequences.clear();
                for (String line : Files.exists(received) ? Files.readAllLines(received, StandardCharsets.UTF_8)
                        : List.<String>of()) {
                    String[] f = line.split("\\|", 5);
                    if (!f[2].equals("TCP")) {
                        continue;
                    }
                    java.util.regex.Matcher m = seq.matcher(f[3]);
                    assertTrue(m.find(), line);
                    long sequence = Long.parseLong(m.group(1));
                    assertTrue(sequences.computeIfAbsent(f[0] + "/" + f[1], k -> new TreeSet<>()).add(sequence),
                            f[0] + "/" + f[1] + " sequence " + sequence + " arrived twice");
                    assertEquals("reading " + sequence, f[4]);
                    assertTrue(f[3].contains(" reading=\"" + (1000 + sequence) + "\"") && f[3].contains(" celsius=\"")
                            && f[3].contains(" alarm=\"" + (sequence % 10 == 0) + "\""), line);
                }
                if (sequences.values().stream().mapToInt(Set::size).sum() == HOSTS * GUESTS * RECORDS
                        || System.nanoTime() > deadline) {
                    break;
                }
                Thread.sleep(100);
            }
            for (int h = 1; h <= HOSTS; h++) {
                for (int g = 1; g <= GUESTS; g++) {
                    Set<Long> got = sequences.getOrDefault("node-" + h + "/sensor-" + g, Set.of());
                    assertEquals(RECORDS, got.size(), "node-" + h + "/sensor-" + g + " in rsyslog");
                }
            }
        } finally {
            rsyslog.destroy();
            rsyslog.waitFor(10, TimeUnit.SECONDS);
        }
    }

    private static void run(Path dir, String... command) throws Exception {
        Process p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0, String.join(" ", command) + ": " + out);
    }

    private static Process member(Path state, Path output, String... settings) throws Exception {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java")
                .toString(), "-Xmx256m", "-cp", System.getProperty("java.class.path"), FleetMember.class.getName(),
                state.toString(), guest.toString(), Integer.toString(GUESTS), Integer.toString(RECORDS)));
        command.addAll(List.of(settings));
        return new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(output.toFile()).start();
    }
}
