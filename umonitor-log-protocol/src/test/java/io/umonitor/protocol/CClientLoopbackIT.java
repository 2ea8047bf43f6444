package io.umonitor.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.umonitor.api.Attribute;
import io.umonitor.api.AttributeValue;
import io.umonitor.api.GuestClock;
import io.umonitor.api.LogLevel;
import io.umonitor.protocol.testing.LoopbackReceiver;
import io.umonitor.testkit.CClientGuests;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The C client (clients/c) against the Java codec: a real C program sends records of every level,
 * with attributes of every type and non-ASCII text, over TCP, UDP and the console encoding to a
 * receiver on 127.0.0.1; every record must arrive intact and in order. The program is configured
 * through the environment, exactly as umonitor's process backend configures a guest.
 */
class CClientLoopbackIT {
    static final Path CLIENT_DIR = Path.of("clients", "c").toAbsolutePath();
    static final Path SENDER = CLIENT_DIR.resolve("build/loopback_sender");
    static final int COUNT = 60;
    static final String NAME = "c-loopback";
    static final String TOKEN = "0123456789abcdef0123456789abcdef";
    static final Duration TIMEOUT = Duration.ofSeconds(30);

    @TempDir
    Path temp;

    @BeforeAll
    static void buildSender() throws Exception {
        CClientGuests.makePrograms();
    }

    @Test
    void tcpDeliversEveryRecordIntactAndInOrder() throws Exception {
        try (LoopbackReceiver rx = LoopbackReceiver.tcp()) {
            runSender(Map.of("UMONITOR_TCP", rx.address()), null);
            assertDelivered(rx, TOKEN);
            assertEquals(1, rx.hellos().size(), "one connection, one HELLO");
        }
    }

    @Test
    void udpDeliversEveryRecordIntactAndInOrder() throws Exception {
        try (LoopbackReceiver rx = LoopbackReceiver.udp()) {
            runSender(Map.of("UMONITOR_UDP", rx.address()), null);
            assertDelivered(rx, TOKEN);
            long session = rx.hellos().get(0).session();
            assertTrue(rx.hellos().stream().allMatch(h -> h.session() == session && h.token().equals(TOKEN)),
                    "every datagram carries the same HELLO");
        }
    }

    @Test
    void consoleEncodingDeliversEveryRecordBetweenOrdinaryText() throws Exception {
        try (LoopbackReceiver rx = LoopbackReceiver.console()) {
            runSender(Map.of(), rx);
            // The token never goes to a console: whoever reads the console log would see it.
            assertDelivered(rx, "");
            List<String> expectedText = new ArrayList<>();
            for (int i = 0; i < COUNT; i++) {
                expectedText.add("plain text " + i);
            }
            assertEquals(expectedText, rx.consoleText(), "ordinary output stays ordinary text, in order");
        }
    }

    @Test
    void tcpIsPreferredWhenBothAddressesAreSet() throws Exception {
        try (LoopbackReceiver tcp = LoopbackReceiver.tcp(); LoopbackReceiver udp = LoopbackReceiver.udp()) {
            runSender(Map.of("UMONITOR_TCP", tcp.address(), "UMONITOR_UDP", udp.address()), null);
            assertDelivered(tcp, TOKEN);
            assertEquals(List.of(), udp.frames(), "nothing may go to UDP when TCP is configured");
        }
    }

    private void runSender(Map<String, String> transportEnv, LoopbackReceiver console) throws Exception {
        File stderr = temp.resolve("stderr-" + System.nanoTime()).toFile();
        ProcessBuilder pb = new ProcessBuilder(SENDER.toString(), Integer.toString(COUNT)).redirectError(stderr);
        Map<String, String> env = pb.environment();
        env.keySet().removeIf(k -> k.startsWith("UMONITOR_"));
        env.put("UMONITOR_NAME", NAME);
        env.put("UMONITOR_TOKEN", TOKEN);
        env.putAll(new HashMap<>(transportEnv));
        if (console == null) {
            pb.redirectOutput(ProcessBuilder.Redirect.DISCARD);
        }
        Process p = pb.start();
        try {
            if (console != null) {
                console.readConsole(p.getInputStream());
            }
            boolean exited = p.waitFor(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
            assertTrue(exited, "loopback_sender still running after " + TIMEOUT + ": " + read(stderr));
            assertEquals(0, p.exitValue(), "loopback_sender failed: " + read(stderr));
        } finally {
            // Only a process that hangs: destroying an exited one closes its output under the reader.
            if (p.isAlive()) {
                p.destroyForcibly();
            }
        }
    }

    private static void assertDelivered(LoopbackReceiver rx, String expectedToken) {
        long before = System.currentTimeMillis();
        Goodbye bye = rx.awaitGoodbye(TIMEOUT);
        assertEquals(List.of(), rx.errors(), "the Java decoder must accept everything the C client sends");
        assertEquals(new Goodbye(COUNT, 0, "done"), bye);

        Hello hello = rx.hellos().get(0);
        assertEquals(NAME, hello.name());
        assertEquals(expectedToken, hello.token());
        assertEquals("umonitor-c", hello.clientName());
        assertEquals("0.1.0", hello.clientVersion());

        List<RecordFrame> records = rx.records();
        assertEquals(COUNT, records.size(), "records received");
        for (int i = 0; i < COUNT; i++) {
            RecordFrame r = records.get(i);
            assertEquals(i, r.sequence(), "sequence of record " + i);
            assertEquals(GuestClock.WALL, r.clock());
            long ageMillis = before - r.timestampNanos() / 1_000_000;
            assertTrue(ageMillis > -5_000 && ageMillis < 120_000,
                    "record " + i + " wall timestamp " + r.timestampNanos() + " is not around now");
            assertEquals(LogLevel.fromWireCode(1 + i % 6), r.level());
            assertEquals("", r.logger());
            assertEquals("record " + i + ": grüße 日本語 🚀", r.message());
            assertEquals(expectedAttributes(i), r.attributes(), "attributes of record " + i);
        }
    }

    static List<Attribute> expectedAttributes(int i) {
        return List.of(
                Attribute.of("function", "main"),
                new Attribute("arg.ptr", new AttributeValue.Null()),
                Attribute.of("i", -(long) i * 1_000_000_007L),
                new Attribute("u", new AttributeValue.UInt(-1L - i)),
                new Attribute("f", new AttributeValue.Float(i + 0.25)),
                new Attribute("b", new AttributeValue.Bool(i % 2 == 1)),
                new Attribute("bytes", new AttributeValue.Bytes(new byte[] {(byte) i, 0, (byte) 0xff})),
                Attribute.of("text", "ключ " + i));
    }

    private static String read(File f) throws IOException {
        return f.exists() ? Files.readString(f.toPath()) : "";
    }
}
