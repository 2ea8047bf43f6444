package io.umonitor.examples.cli;

import static io.umonitor.examples.cli.SpecFrames.concat;
import static io.umonitor.examples.cli.SpecFrames.consoleLine;
import static io.umonitor.examples.cli.SpecFrames.goodbye;
import static io.umonitor.examples.cli.SpecFrames.hello;
import static io.umonitor.examples.cli.SpecFrames.record;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.umonitor.api.LogFilter;
import io.umonitor.api.LogLevel;
import io.umonitor.api.LogRecord;
import io.umonitor.api.UnikernelSpec;
import io.umonitor.api.spi.LogSink;
import io.umonitor.api.spi.ProviderContext;
import io.umonitor.core.Monitor;
import io.umonitor.core.backend.process.ProcessBackend;
import io.umonitor.core.sink.FileSink;
import java.io.OutputStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * PROTOCOL.md against the running collector: frames written from the specification alone (SpecFrames) go
 * over TCP, UDP and a process guest's console into a real Monitor on loopback, and every point of the
 * specification the project once got wrong (issue 14) is read back three ways: `umonitor logs --json`
 * (the CLI, from the live monitor), the text log file and the JSON Lines file.
 */
class ProtocolConformanceIT {
    private static final String NAME = "conf";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final long TWO_POW_63 = Long.MIN_VALUE;
    private static final String MAX_U64 = "18446744073709551615";
    private static final long[] NAN_BITS = {0x7ff8000000000123L, 0xfff8000000000000L, 0x7ff0000000000001L};
    private static final String[] NAN_TEXT = {"NaN(0x7ff8000000000123)", "NaN(0xfff8000000000000)",
            "NaN(0x7ff0000000000001)"};

    /** Attributes checked on every transport: 64-bit integers at their edges and NaNs with payloads. */
    private static byte[] recordWithNumbers(long sequence, String message) {
        SpecFrames r = record(sequence, message, 7)
                .str8("i.small").u8(2).u64(5)
                .str8("i.big").u8(2).u64((1L << 53) + 1)
                .str8("i.min").u8(2).u64(Long.MIN_VALUE)
                .str8("u.max").u8(3).u64(-1L);
        for (int i = 0; i < NAN_BITS.length; i++) {
            r.str8("f" + i).u8(4).u64(NAN_BITS[i]);
        }
        return r.frame(SpecFrames.RECORD);
    }

    private static byte[] plainRecord(long sequence, String message) {
        return record(sequence, message, 0).frame(SpecFrames.RECORD);
    }

    /** The second sink needs an id of its own; it writes through a real FileSink. */
    private record JsonFiles(FileSink file) implements LogSink {
        @Override
        public String id() {
            return "file-json";
        }

        @Override
        public void open(ProviderContext context) {
            file.open(context);
        }

        @Override
        public void accept(LogRecord record) {
            file.accept(record);
        }

        @Override
        public void flush() {
            file.flush();
        }

        @Override
        public void close() {
            file.close();
        }
    }

    @Test
    void whatAClientWrittenFromTheSpecSendsIsStoredExactly(@TempDir Path home) throws Exception {
        Path textDir = home.resolve("text");
        Path jsonDir = home.resolve("json");
        Path guestDir = Files.createDirectories(home.resolve("guest"));
        Files.writeString(guestDir.resolve("console.txt"), consoleText(), StandardCharsets.UTF_8);
        List<LogRecord> seen = new CopyOnWriteArrayList<>();
        Monitor monitor = Monitor.builder().discoverProviders(false).backend(new ProcessBackend())
                .sink(new FileSink(textDir, FileSink.Format.TEXT, FileSink.DEFAULT_MAX_BYTES, FileSink.DEFAULT_KEEP))
                .sink(new JsonFiles(new FileSink(jsonDir, FileSink.Format.JSON, FileSink.DEFAULT_MAX_BYTES,
                        FileSink.DEFAULT_KEEP)))
                .stateDirectory(home.resolve("state")).workDirectory(home.resolve("work")).historySize(10_000)
                .property("log.reportIntervalMs", "100").build();
        List<JsonNode> live;
        try (monitor; ControlServer control = ControlServer.start(UmonitorHome.resolve(home).control(),
                new MonitorControlTarget(monitor))) {
            monitor.follow(null, LogFilter.atLeast(LogLevel.TRACE), seen::add);
            monitor.launch(UnikernelSpec.builder(NAME, Path.of("/bin/sh")).argument("-c").argument(
                    "printf '%s\\n%s\\n%s\\n' \"$UMONITOR_TCP\" \"$UMONITOR_UDP\" \"$UMONITOR_TOKEN\" > \"$1/env.tmp\"; "
                            + "mv \"$1/env.tmp\" \"$1/env\"; cat \"$1/console.txt\"; exec >&-; "
                            + "while [ ! -e \"$1/done\" ]; do sleep 0.05; done").argument("guest")
                    .argument(guestDir.toString()).build());
            Path env = guestDir.resolve("env");
            await(() -> Files.exists(env), "the guest wrote its collector addresses", seen);
            List<String> lines = Files.readAllLines(env);
            InetSocketAddress tcp = address(lines.get(0));
            InetSocketAddress udp = address(lines.get(1));
            String token = lines.get(2);
            send(tcp, udp, token);
            await(() -> count(seen, r -> r.message().contains("lost in total")
                    && r.message().contains(MAX_U64 + " lost in total")) > 0
                    && count(seen, r -> r.message().equals("last-no-lf")) > 0
                    && count(seen, r -> r.message().contains("arrived late after all")) > 0
                    // The last datagram and the wrong-token connection: what `logs` is checked for below
                    // must have been collected before it is asked (the UDP collector takes datagrams in order).
                    && count(seen, r -> r.message().contains("datagram dropped: TRUNCATED")) > 0
                    && count(seen, r -> r.message().contains("wrong token")) > 0
                    // The console's three rejections are reported by the console reader, which runs apart
                    // from the network collectors: wait for them too.
                    && count(seen, r -> r.message().contains("bad console-encoded line kept as text")) >= 3,
                    "every record and report arrived", seen);

            CliProcess.Result logs = CliProcess.run(home, 60, "logs", NAME, "--json");
            assertEquals(0, logs.exitCode(), logs.output());
            live = new ArrayList<>();
            for (String line : logs.output().split("\n")) {
                if (line.startsWith("{")) {
                    // `logs --json` keys attributes by name (with attributeTypes); read back through its own
                    // decoder into the file's shape, which only works if every value and type came out exact.
                    JsonNode cli = JSON.readTree(line);
                    live.add(cli.path("attributes").isObject() ? RecordJson.toJson(RecordJson.fromJson(cli)) : cli);
                }
            }
            Files.writeString(guestDir.resolve("done"), "");
        }
        List<JsonNode> jsonl = new ArrayList<>();
        for (String line : Files.readAllLines(jsonDir.resolve(NAME + ".jsonl"), StandardCharsets.UTF_8)) {
            jsonl.add(JSON.readTree(line));
        }
        List<String> text = Files.readAllLines(textDir.resolve(NAME + ".log"), StandardCharsets.UTF_8);

        for (List<JsonNode> records : List.of(live, jsonl)) {
            String which = records == live ? "logs --json" : "the JSON Lines file";
            checkJson(records, which);
        }
        checkText(text);
    }

    private static InetSocketAddress address(String hostAndPort) {
        int colon = hostAndPort.lastIndexOf(':');
        return new InetSocketAddress(hostAndPort.substring(0, colon).replace("[", "").replace("]", ""),
                Integer.parseInt(hostAndPort.substring(colon + 1)));
    }

    /** TCP and UDP input, each part named after the point of the spec it checks. */
    private static void send(InetSocketAddress tcp, InetSocketAddress udp, String token) throws Exception {
        // Section 7 and 4.2: sequence numbers at and above 2^63 over TCP, then a GOODBYE of 2^64-1.
        // Session 1 loses 2^64-2 records (0 .. 2^64-3), counted exactly.
        try (Socket s = connect(tcp)) {
            OutputStream out = s.getOutputStream();
            out.write(concat(hello(NAME, token, 1), recordWithNumbers(-2L, "tcp 2^64-2"),
                    plainRecord(-1L, "tcp 2^64-1"), goodbye(-1L, 0)));
            s.shutdownOutput();
            assertEquals(-1, s.getInputStream().read(), "the collector closes after our end of the stream");
        }
        // Section 5.1: a CRC mismatch closes the connection; the record before it is kept and logged first.
        try (Socket s = connect(tcp)) {
            byte[] bad = plainRecord(1, "never stored");
            bad[bad.length - 1] ^= 0x01;
            s.getOutputStream().write(concat(hello(NAME, token, 3), plainRecord(0, "tcp before the bad CRC"), bad));
            assertEquals(-1, s.getInputStream().read(), "a protocol error closes the connection");
        }
        // A wrong token for a known name says so, without the token.
        try (Socket s = connect(tcp)) {
            s.getOutputStream().write(hello(NAME, "0123456789abcdef0123456789abcdef", 4));
            assertEquals(-1, s.getInputStream().read(), "a wrong token closes the connection");
        }
        try (DatagramSocket d = new DatagramSocket()) {
            // Section 7: session 2 over UDP: 1 arrives, then 0 late (it takes its loss back), then a GOODBYE
            // of 3 reveals that 2 is lost: 1 lost in the session, 2^64-2 + 1 = 2^64-1 for the unikernel.
            datagram(d, udp, concat(hello(NAME, token, 2), recordWithNumbers(1, "udp 1")));
            datagram(d, udp, concat(hello(NAME, token, 2), plainRecord(0, "udp 0 late")));
            datagram(d, udp, concat(hello(NAME, token, 2), goodbye(3, 0)));
            // Section 5.2: a HELLO and 3 stray bytes is TRUNCATED and dropped whole.
            datagram(d, udp, concat(hello(NAME, token, 2), new byte[] {0x55, 0x4d, 0x01}));
        }
    }

    private static Socket connect(InetSocketAddress to) throws Exception {
        Socket s = new Socket(to.getAddress(), to.getPort());
        s.setSoTimeout(10_000);
        return s;
    }

    private static void datagram(DatagramSocket d, InetSocketAddress to, byte[] payload) throws Exception {
        d.send(new DatagramPacket(payload, payload.length, to));
    }

    static final String LONG_PLAIN = "p".repeat(400_000);
    static final String LONG_FRAME_LINE = "@UM1:" + "A".repeat(399_995);
    static final String PAD_BITS_LINE;
    static final String LONGEST_FRAME_LINE;
    static final String BAD_NAME_LINE = consoleLine(SpecFrames.body().str8("bad/name").str8("").str8("c").str8("1")
            .u64(9).frame(SpecFrames.HELLO));

    static {
        String line = consoleLine(plainRecord(5, "pad"));
        for (int i = 0; !line.endsWith("=="); i++) {
            line = consoleLine(plainRecord(5, "pad bits " + i));
        }
        String alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        int at = line.length() - 3;
        PAD_BITS_LINE = line.substring(0, at) + alphabet.charAt(alphabet.indexOf(line.charAt(at)) | 1) + "==";
        // Section 3: the longest frame is 65,535 bytes; its RECORD body here leaves 65,500 for the message.
        byte[] longest = record(1, "m".repeat(65_535 - 12 - 27), 0).frame(SpecFrames.RECORD);
        assertEquals(65_535, longest.length);
        LONGEST_FRAME_LINE = consoleLine(longest);
        assertEquals(87_385, LONGEST_FRAME_LINE.length());
    }

    /** Section 5.3: the console, one case per line. */
    private static String consoleText() {
        return String.join("", consoleLine(plainRecord(0, "console before any HELLO")) + "\n",
                BAD_NAME_LINE + "\n",
                consoleLine(hello(NAME, "", 77)) + "\n",
                consoleLine(recordWithNumbers(0, "console 0 of session 77")) + "\n",
                consoleLine(goodbye(1, 0)) + "\n",
                consoleLine(plainRecord(1, "console record after the GOODBYE")) + "\n",
                consoleLine(hello(NAME, "", 78)) + "\n",
                consoleLine(plainRecord(0, "console 0 of session 78")) + "\n",
                LONGEST_FRAME_LINE + "\n",
                PAD_BITS_LINE + "\n",
                LONG_PLAIN + "\n",
                LONG_FRAME_LINE + "\n",
                "crlf-line\r\n",
                "last-no-lf\r");
    }

    private static void checkJson(List<JsonNode> records, String which) {
        // 64-bit integers are decimal strings; sequences at and above 2^63 are there, unsigned.
        JsonNode tcpMax = only(records, which, r -> r.path("message").asText().equals("tcp 2^64-2"));
        assertEquals("18446744073709551614", tcpMax.get("sequence").textValue(), which);
        assertEquals(MAX_U64, only(records, which, r -> r.path("message").asText().equals("tcp 2^64-1"))
                .get("sequence").textValue(), which);
        assertEquals("1764057600000000000", tcpMax.get("guestNanos").textValue(), which);
        for (String message : List.of("tcp 2^64-2", "udp 1", "console 0 of session 77")) {
            JsonNode r = only(records, which, n -> n.path("message").asText().equals(message));
            JsonNode a = r.get("attributes");
            assertEquals("5", a.get(0).get("value").textValue(), which + " " + message);
            assertEquals("9007199254740993", a.get(1).get("value").textValue(), which + " " + message);
            assertEquals("-9223372036854775808", a.get(2).get("value").textValue(), which + " " + message);
            assertEquals(MAX_U64, a.get(3).get("value").textValue(), which + " " + message);
            for (int i = 0; i < NAN_TEXT.length; i++) {
                assertEquals(NAN_TEXT[i], a.get(4 + i).get("value").textValue(), which + " " + message + " NaN " + i);
            }
        }
        // Section 5.3: console frames before any HELLO are session 0's; any frame order is allowed.
        assertEquals("0", only(records, which, r -> r.path("message").asText().equals("console before any HELLO"))
                .get("sequence").textValue());
        only(records, which, r -> r.path("message").asText().equals("console record after the GOODBYE"));
        only(records, which, r -> r.path("message").asText().equals("console 0 of session 78"));
        // The longest frame travels on the console.
        assertEquals(65_496, only(records, which, r -> r.path("message").asText().startsWith("mmmm"))
                .get("message").asText().length(), which);
        // A console HELLO with a bad name and base64 with non-zero pad bits are console text and rejected.
        only(records, which, r -> r.path("message").asText().equals(BAD_NAME_LINE) && !r.has("sequence"));
        only(records, which, r -> r.path("message").asText().equals(PAD_BITS_LINE) && !r.has("sequence"));
        assertEquals(3, count(records, r -> r.path("origin").asText().equals("MONITOR")
                && r.path("message").asText().contains("bad console-encoded line kept as text")), which
                + ": the bad name, the pad bits and the over-long frame line are rejected");
        // Long lines: kept whole up to the documented limit, the rest marked as a continuation.
        JsonNode first = only(records, which, r -> r.path("message").asText().startsWith("ppp")
                && !r.has("attributes"));
        assertEquals(393_216, first.get("message").asText().length(), which);
        JsonNode rest = only(records, which, r -> r.path("message").asText().startsWith("p")
                && r.path("message").asText().length() == 400_000 - 393_216);
        assertEquals("console.continuation", rest.get("attributes").get(0).get("key").textValue(), which);
        assertTrue(rest.get("attributes").get(0).get("value").booleanValue(), which);
        // An over-long frame line is FRAME_TOO_LONG naming the limit, and kept as text.
        assertTrue(count(records, r -> r.path("origin").asText().equals("MONITOR")
                && r.path("message").asText().contains("87380")) == 1, which + ": the over-long frame line's error");
        assertEquals(1, count(records, r -> r.path("message").asText().startsWith("@UM1:AAAA")
                && r.path("message").asText().length() == 393_216), which);
        assertEquals(1, count(records, r -> r.path("message").asText().startsWith("AAAA")
                && r.path("attributes").path(0).path("key").asText().equals("console.continuation")), which);
        // CR rule.
        only(records, which, r -> r.path("message").asText().equals("crlf-line"));
        only(records, which, r -> r.path("message").asText().equals("last-no-lf"));
        // Loss: unsigned, exact, and late arrivals reported.
        assertTrue(count(records, r -> r.path("message").asText().endsWith(MAX_U64 + " lost in total")) > 0,
                which + " loss report");
        assertTrue(count(records, r -> r.path("message").asText().matches("\\d+ record\\(s\\) counted lost arrived "
                + "late after all.*")) > 0, which);
        assertEquals(0, count(records, r -> r.path("message").asText().matches(".*-\\d+ record.*")), which);
        // Section 5.2: HELLO + 3 bytes is TRUNCATED.
        assertEquals(1, count(records, r -> r.path("message").asText().contains("datagram dropped: TRUNCATED")),
                which + monitorRecords(records));
        // A wrong token says so, without any token.
        JsonNode wrong = only(records, which, r -> r.path("message").asText().contains("wrong token"));
        assertFalse(wrong.get("message").asText().contains("0123456789abcdef"), which);
        assertFalse(wrong.get("message").asText().contains("unknown sender"), which);
    }

    private static void checkText(List<String> text) {
        assertTrue(text.stream().anyMatch(l -> l.contains(" tcp #18446744073709551614 [spec] tcp 2^64-2 {i.small=5 "
                + "i.big=9007199254740993 i.min=-9223372036854775808 u.max=18446744073709551615 "
                + "f0=NaN(0x7ff8000000000123) f1=NaN(0xfff8000000000000) f2=NaN(0x7ff0000000000001)}")),
                "the text file keeps unsigned sequences, 64-bit integers and NaN bits");
        assertTrue(text.stream().anyMatch(l -> l.contains(" tcp #18446744073709551615 [spec] tcp 2^64-1")));
        assertTrue(text.stream().anyMatch(l -> l.contains(" console #0 [spec] console before any HELLO")));
        int before = indexOf(text, "tcp before the bad CRC");
        int rejection = indexOf(text, "CRC");
        while (rejection >= 0 && !text.get(rejection).contains("WARN")) {
            rejection = indexOf(text.subList(rejection + 1, text.size()), "CRC") + rejection + 1;
        }
        assertTrue(before >= 0 && rejection > before, "the record decoded before the CRC error comes first: "
                + before + " < " + rejection);
        assertTrue(text.stream().anyMatch(l -> l.contains("console.continuation=true")));
        assertTrue(text.stream().anyMatch(l -> l.endsWith(" [stdout] last-no-lf")));
        assertTrue(text.stream().anyMatch(l -> l.contains(MAX_U64 + " lost in total")));
    }

    private static String monitorRecords(List<JsonNode> records) {
        StringBuilder sb = new StringBuilder("\nMONITOR records:\n");
        records.stream().filter(r -> r.path("origin").asText().equals("MONITOR"))
                .forEach(r -> sb.append(r.path("message").asText()).append('\n'));
        return sb.toString();
    }

    private static int indexOf(List<String> lines, String text) {
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).contains(text)) {
                return i;
            }
        }
        return -1;
    }

    private static JsonNode only(List<JsonNode> records, String which, Predicate<JsonNode> p) {
        List<JsonNode> found = records.stream().filter(p).toList();
        assertEquals(1, found.size(), which + ": " + found.size() + " matching records");
        return found.get(0);
    }

    private static <T> long count(List<T> records, Predicate<T> p) {
        return records.stream().filter(p).count();
    }

    private static void await(BooleanSupplier condition, String what, List<LogRecord> seen) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                StringBuilder sb = new StringBuilder();
                for (LogRecord r : seen) {
                    String m = r.message();
                    sb.append(r.origin()).append(' ').append(m.length() > 200 ? m.substring(0, 200) + "..." : m)
                            .append('\n');
                }
                throw new AssertionError("timed out waiting until " + what + "; records:\n" + sb);
            }
            TimeUnit.MILLISECONDS.sleep(20); // polling a condition with a deadline
        }
    }
}
