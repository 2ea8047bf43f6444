package io.umonitor.core.internal.log;

import static io.umonitor.core.internal.log.TestSenders.await;
import static io.umonitor.core.internal.log.TestSenders.endpoint;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.umonitor.api.Attribute;
import io.umonitor.api.AttributeValue;
import io.umonitor.api.GuestClock;
import io.umonitor.api.LogLevel;
import io.umonitor.api.LogOrigin;
import io.umonitor.api.LogRecord;
import io.umonitor.api.spi.CollectorEndpoint.Transport;
import io.umonitor.api.spi.GuestOutput;
import io.umonitor.protocol.FrameEncoder;
import io.umonitor.protocol.Goodbye;
import io.umonitor.protocol.Hello;
import io.umonitor.protocol.RecordFrame;
import io.umonitor.protocol.WireFormat;
import io.umonitor.testkit.RecordingSink;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.zip.CRC32;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Seeded mutation fuzzing of the three transports over the real collectors (TCP and UDP over loopback,
 * console lines through the hub), a bad sender among a hundred good ones, and each kind of bad input
 * with its error and counter. The seed is printed; rerun one with {@code -Dumonitor.fuzz.seed=N}.
 */
@Timeout(60)
class CollectorFuzzTest {
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final long SEED = Long.getLong("umonitor.fuzz.seed", System.nanoTime());
    private static final String FUZZ_TOKEN = token(1);
    private final List<AutoCloseable> toClose = new ArrayList<>();
    private final FrameEncoder encoder = new FrameEncoder();

    @AfterEach
    void closeAll() throws Exception {
        for (int i = toClose.size() - 1; i >= 0; i--) {
            toClose.get(i).close();
        }
    }

    private DefaultLogHub hub(RecordingSink sink) {
        DefaultLogHub hub = DefaultLogHub.start(DefaultLogHub.Settings.defaults()
                .withReportInterval(Duration.ofMillis(100)).withHistorySize(16), List.of(sink));
        toClose.add(hub);
        return hub;
    }

    private static String token(int i) {
        return String.format("%032x", 0x5eed0000L + i);
    }

    // ---- mutations ----

    private static RecordFrame record(Random rnd, long sequence) {
        List<Attribute> attributes = new ArrayList<>();
        for (int i = rnd.nextInt(4); i > 0; i--) {
            attributes.add(switch (rnd.nextInt(4)) {
                case 0 -> Attribute.of("s" + i, "v\u00e9" + rnd.nextInt());
                case 1 -> Attribute.of("i" + i, rnd.nextLong());
                case 2 -> new Attribute("b" + i, new AttributeValue.Bool(rnd.nextBoolean()));
                default -> new Attribute("d" + i, new AttributeValue.Float(rnd.nextDouble()));
            });
        }
        return new RecordFrame(sequence, GuestClock.WALL, System.currentTimeMillis() * 1_000_000L,
                LogLevel.values()[rnd.nextInt(LogLevel.values().length)], "fz", "fuzz message " + sequence, attributes);
    }

    /** A frame around {@code body} with a correct CRC, so a mutated body reaches the body decoder. */
    private static byte[] frame(int type, byte[] body, int declaredLength) {
        ByteBuffer b = ByteBuffer.allocate(12 + body.length);
        b.put((byte) 0x55).put((byte) 0x4D).put((byte) 1).put((byte) type).putInt(declaredLength).put(body);
        CRC32 crc = new CRC32();
        crc.update(b.array(), 0, 8 + body.length);
        b.putInt((int) crc.getValue());
        return b.array();
    }

    private static byte[] mutateBytes(byte[] in, Random rnd) {
        byte[] b = in.clone();
        for (int ops = 1 + rnd.nextInt(3); ops > 0 && b.length > 0; ops--) {
            int at = rnd.nextInt(b.length);
            switch (rnd.nextInt(7)) {
                case 0 -> b[at] ^= (byte) (1 << rnd.nextInt(8));
                case 1 -> b[at] = (byte) rnd.nextInt(256);
                case 2 -> b[at] = new byte[] {0, (byte) 0xff, 0x7f, (byte) 0x80, (byte) 0xc0, (byte) 0xed}[rnd.nextInt(6)];
                case 3 -> {
                    byte[] extra = new byte[1 + rnd.nextInt(16)];
                    rnd.nextBytes(extra);
                    b = concat(Arrays.copyOf(b, at), extra, Arrays.copyOfRange(b, at, b.length));
                }
                case 4 -> b = concat(Arrays.copyOf(b, at), Arrays.copyOfRange(b, Math.min(b.length,
                        at + 1 + rnd.nextInt(16)), b.length));
                case 5 -> b = Arrays.copyOf(b, at);
                default -> {
                    int len = Math.min(b.length - at, 1 + rnd.nextInt(32));
                    b = concat(Arrays.copyOf(b, at + len), Arrays.copyOfRange(b, at, b.length));
                }
            }
        }
        return b;
    }

    /** One frame, mutated: either its raw bytes (header and CRC included) or its body behind a valid header and CRC. */
    private byte[] mutatedFrame(byte[] valid, Random rnd) {
        if (rnd.nextBoolean()) {
            return mutateBytes(valid, rnd);
        }
        byte[] body = mutateBytes(Arrays.copyOfRange(valid, 8, valid.length - 4), rnd);
        int declared = rnd.nextInt(8) == 0 ? rnd.nextInt() : body.length;
        return frame(valid[3], body, declared);
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }

    private static List<LogRecord> decoderFailures(RecordingSink sink) {
        // "the decoder failed" is how a collector reports an exception that is not a ProtocolException: a bug.
        return sink.records(r -> r.origin() == LogOrigin.MONITOR && r.message().contains("decoder failed"));
    }

    // ---- fuzzing each transport ----

    @Test
    void mutatedTcpStreamsYieldOnlyRecordsOrCountedErrorsAndTheCollectorSurvives() throws Exception {
        System.out.println("CollectorFuzzTest seed " + SEED + " (rerun with -Dumonitor.fuzz.seed=" + SEED + ")");
        RecordingSink sink = new RecordingSink("collect");
        DefaultLogHub hub = hub(sink);
        hub.registerSender("fuzz", FUZZ_TOKEN);
        hub.registerSender("control", token(2));
        InetSocketAddress to = endpoint(hub, Transport.TCP);
        int connections = 400;
        ExecutorService pool = Executors.newFixedThreadPool(16);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int c = 0; c < connections; c++) {
                Random rnd = new Random(SEED + c);
                done.add(pool.submit(() -> {
                    FrameEncoder encoder = new FrameEncoder(); // one per thread: an encoder keeps state
                    ByteArrayOutputStream stream = new ByteArrayOutputStream();
                    byte[] hello = encoder.encode(new Hello("fuzz", FUZZ_TOKEN, "fuzzer", "1", rnd.nextLong()));
                    stream.writeBytes(rnd.nextInt(10) == 0 ? mutatedFrame(hello, rnd) : hello);
                    int records = 1 + rnd.nextInt(20);
                    for (int i = 0; i < records; i++) {
                        byte[] frame = encoder.encode(record(rnd, i));
                        stream.writeBytes(rnd.nextInt(records) == 0 ? mutatedFrame(frame, rnd) : frame);
                    }
                    if (rnd.nextBoolean()) {
                        stream.writeBytes(encoder.encode(new Goodbye(records, 0, "exit")));
                    }
                    sendAndAwaitClose(to, stream.toByteArray());
                    return null;
                }));
            }
            for (Future<?> f : done) {
                f.get(40, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
        TestSenders.sendTcp(to, "control", token(2), 1000);
        await("the collector still serves a clean sender", WAIT, () -> sink.count("control", LogOrigin.TCP) == 1000);
        long fuzzRecords = hub.stats("fuzz").received();
        await("every accepted fuzz record reached the sink", WAIT, () -> sink.count("fuzz", LogOrigin.TCP) == fuzzRecords);
        assertTrue(fuzzRecords > 0, "some intact records before the mutation are kept");
        assertTrue(hub.stats("fuzz").rejected() + hub.unattributedRejections() > connections / 4,
                "mutations are rejected and counted: " + hub.stats("fuzz") + ", unattributed "
                        + hub.unattributedRejections());
        assertEquals(List.of(), decoderFailures(sink), "only protocol errors, never a decoder crash");
        assertEquals(0, hub.stats("control").rejected());
    }

    /** Sends {@code bytes}, half-closes, and requires the collector to close its side (it never hangs). */
    private static void sendAndAwaitClose(InetSocketAddress to, byte[] bytes) throws IOException {
        try (Socket socket = new Socket(to.getAddress(), to.getPort())) {
            socket.setSoTimeout(20_000);
            try {
                socket.getOutputStream().write(bytes);
                socket.shutdownOutput();
            } catch (IOException closedEarly) {
                // The collector cut the connection off while we were still writing: a valid outcome.
                return;
            }
            InputStream in = socket.getInputStream();
            try {
                while (in.read() >= 0) {
                    // the collector never sends anything
                }
            } catch (SocketTimeoutException e) {
                throw new AssertionError("the collector kept a finished connection open for 20 s", e);
            } catch (IOException reset) {
                // a reset is a close too
            }
        }
    }

    @Test
    void mutatedUdpDatagramsYieldOnlyRecordsOrCountedErrorsAndTheCollectorSurvives() throws Exception {
        System.out.println("CollectorFuzzTest seed " + SEED + " (rerun with -Dumonitor.fuzz.seed=" + SEED + ")");
        RecordingSink sink = new RecordingSink("collect");
        DefaultLogHub hub = hub(sink);
        hub.registerSender("fuzz", FUZZ_TOKEN);
        hub.registerSender("control", token(2));
        InetSocketAddress to = endpoint(hub, Transport.UDP);
        Random rnd = new Random(SEED);
        Hello hello = new Hello("fuzz", FUZZ_TOKEN, "fuzzer", "1", 9);
        int datagrams = 3000;
        try (DatagramSocket socket = new DatagramSocket()) {
            for (int d = 0; d < datagrams; d++) {
                List<RecordFrame> frames = new ArrayList<>();
                for (int i = rnd.nextInt(4); i >= 0; i--) {
                    frames.add(record(rnd, d * 4L + i));
                }
                byte[] datagram = encoder.encodeDatagram(hello, frames);
                byte[] mutated = rnd.nextBoolean() ? mutateBytes(datagram, rnd) : mutateBody(datagram, rnd);
                // 3,000 datagrams of at most a few hundred bytes fit the collector's 4 MiB socket buffer.
                socket.send(new DatagramPacket(mutated, mutated.length, to));
            }
        }
        int controls = TestSenders.sendUdp(to, "control", token(2), 500, 1, d -> false);
        assertEquals(0, controls);
        await("the collector still serves a clean sender", WAIT, () -> sink.count("control", LogOrigin.UDP) == 500);
        long fuzzRecords = hub.stats("fuzz").received() - hub.stats("fuzz").dropped();
        await("every accepted fuzz record reached the sink", WAIT, () -> sink.count("fuzz", LogOrigin.UDP) == fuzzRecords);
        assertTrue(hub.stats("fuzz").rejected() + hub.unattributedRejections() > datagrams / 4,
                "mutations are rejected and counted: " + hub.stats("fuzz"));
        assertEquals(List.of(), decoderFailures(sink), "only protocol errors, never a decoder crash");
    }

    /** Mutates the body of one frame of a datagram (not the HELLO) and repairs its CRC. */
    private static byte[] mutateBody(byte[] datagram, Random rnd) {
        ByteBuffer b = ByteBuffer.wrap(datagram);
        List<int[]> frames = new ArrayList<>();
        while (b.remaining() >= 12) {
            int start = b.position();
            int length = b.getInt(start + 4);
            frames.add(new int[] {start, length});
            b.position(start + 12 + length);
        }
        int[] victim = frames.get(frames.size() > 1 ? 1 + rnd.nextInt(frames.size() - 1) : 0);
        byte[] body = Arrays.copyOfRange(datagram, victim[0] + 8, victim[0] + 8 + victim[1]);
        byte[] mutatedBody = mutateBytes(body, rnd);
        return concat(Arrays.copyOf(datagram, victim[0]),
                frame(datagram[victim[0] + 3], mutatedBody, mutatedBody.length),
                Arrays.copyOfRange(datagram, victim[0] + 12 + victim[1], datagram.length));
    }

    @Test
    void mutatedConsoleLinesEachYieldExactlyOneRecordAndNeverAnException() {
        System.out.println("CollectorFuzzTest seed " + SEED + " (rerun with -Dumonitor.fuzz.seed=" + SEED + ")");
        RecordingSink sink = new RecordingSink("collect");
        DefaultLogHub hub = hub(sink);
        Random rnd = new Random(SEED);
        int lines = 5000;
        List<Function<Random, String>> kinds = List.of(
                r -> encoder.encodeConsoleLine(record(r, r.nextInt(100))),
                r -> WireFormat.CONSOLE_MARKER + Base64.getEncoder().encodeToString(
                        mutatedFrame(encoder.encode(record(r, r.nextInt(100))), r)),
                r -> WireFormat.CONSOLE_MARKER + Base64.getEncoder().encodeToString(
                        mutatedFrame(encoder.encode(new Hello("con", "", "fuzzer", "1", r.nextInt(3))), r)),
                r -> new String(mutateBytes(encoder.encodeConsoleLine(record(r, 1)).getBytes(), r),
                        java.nio.charset.StandardCharsets.ISO_8859_1),
                r -> encoder.encodeConsoleLine(new Goodbye(r.nextInt(5), 0, "exit")),
                r -> "plain text \u001b[2J line " + r.nextInt());
        for (int i = 0; i < lines; i++) {
            hub.consoleLine("con", GuestOutput.Stream.SERIAL, kinds.get(rnd.nextInt(kinds.size())).apply(rnd));
        }
        assertEquals(lines, hub.stats("con").received());
        await("one console record per line", WAIT, () -> sink.count("con", LogOrigin.CONSOLE) == lines);
        assertTrue(hub.stats("con").rejected() > 0, "bad frames are counted: " + hub.stats("con"));
        assertTrue(sink.records(r -> r.origin() == LogOrigin.CONSOLE && r.message().startsWith("fuzz message"))
                .size() > lines / 10, "intact structured lines decode");
    }

    // ---- one bad sender among a hundred ----

    @Test
    void oneBadSenderIsCutOffAgainAndAgainWhileAHundredOthersDeliverEverything() throws Exception {
        RecordingSink sink = new RecordingSink("collect");
        DefaultLogHub hub = hub(sink);
        int good = 100;
        int perSender = 1000;
        for (int i = 0; i < good; i++) {
            hub.registerSender("good-" + i, token(100 + i));
        }
        hub.registerSender("bad", token(3));
        InetSocketAddress to = endpoint(hub, Transport.TCP);
        ExecutorService pool = Executors.newFixedThreadPool(good + 1);
        java.util.concurrent.atomic.AtomicBoolean goodDone = new java.util.concurrent.atomic.AtomicBoolean();
        java.util.concurrent.atomic.AtomicInteger badConnections = new java.util.concurrent.atomic.AtomicInteger();
        try {
            Future<?> bad = pool.submit(() -> {
                FrameEncoder encoder = new FrameEncoder(); // one per thread: an encoder keeps state
                Random rnd = new Random(SEED);
                while (!goodDone.get()) {
                    byte[] hello = encoder.encode(new Hello("bad", token(3), "fuzzer", "1", 1));
                    byte[] garbage = mutatedFrame(encoder.encode(record(rnd, 0)), rnd);
                    byte[] extra = new byte[4096];
                    rnd.nextBytes(extra);
                    sendAndAwaitClose(to, concat(hello, garbage, extra));
                    badConnections.incrementAndGet();
                }
                return null;
            });
            List<Future<?>> sent = new ArrayList<>();
            for (int i = 0; i < good; i++) {
                int n = i;
                sent.add(pool.submit(() -> {
                    TestSenders.sendTcp(to, "good-" + n, token(100 + n), perSender);
                    return null;
                }));
            }
            for (Future<?> f : sent) {
                f.get(40, TimeUnit.SECONDS);
            }
            goodDone.set(true);
            bad.get(30, TimeUnit.SECONDS);
        } finally {
            pool.shutdownNow();
        }
        await("every good record", WAIT, () -> sink.records(r -> r.origin() == LogOrigin.TCP
                && r.unikernel().startsWith("good-")).size() == good * perSender);
        for (int i = 0; i < good; i++) {
            assertEquals(0, hub.stats("good-" + i).rejected(), "good-" + i);
            assertEquals(perSender, hub.stats("good-" + i).received(), "good-" + i);
        }
        assertTrue(badConnections.get() >= 1);
        // A connection the collector cut off while we were still writing may be counted a moment later.
        await("every bad connection cut off and counted once", WAIT,
                () -> hub.stats("bad").rejected() == badConnections.get());
        await("the bad sender's rejections are reported in its log", WAIT, () -> !sink.records(r ->
                r.unikernel().equals("bad") && r.origin() == LogOrigin.MONITOR && r.message().contains("rejected"))
                .isEmpty());
    }

    // ---- each kind of bad input ----

    enum BadInput {
        OVERSIZED_FRAME("maximum frame length of 65535 bytes"),
        TRUNCATED_FRAME("ended"),
        INVALID_UTF8("UTF-8"),
        ABSURD_ATTRIBUTE_COUNT("attribute"),
        ABSURD_ATTRIBUTE_LENGTH("field 'attribute value'"),
        ABSURD_MESSAGE_LENGTH("field 'message'");

        final String errorMentions;

        BadInput(String errorMentions) {
            this.errorMentions = errorMentions;
        }
    }

    /** A RECORD body: sequence 0, wall clock, INFO, logger "t", then the given message bytes and tail. */
    private static byte[] recordBody(byte[] messageField, byte[] attributes) {
        ByteBuffer b = ByteBuffer.allocate(8 + 1 + 8 + 1 + 2 + messageField.length + attributes.length);
        b.putLong(0).put((byte) 0).putLong(1).put((byte) 3).put((byte) 1).put((byte) 't');
        b.put(messageField).put(attributes);
        return b.array();
    }

    private static byte[] badFrame(BadInput kind) {
        byte[] okMessage = {0, 2, 'h', 'i'};
        return switch (kind) {
            case OVERSIZED_FRAME -> frame(2, new byte[16], 10_000_000);
            case TRUNCATED_FRAME -> Arrays.copyOf(frame(2, recordBody(okMessage, new byte[] {0, 0}), 30), 20);
            case INVALID_UTF8 -> frame(2, recordBody(new byte[] {0, 3, 'a', (byte) 0xc3, (byte) 0x28},
                    new byte[] {0, 0}), 30);
            // 65,535 attributes announced, one present.
            case ABSURD_ATTRIBUTE_COUNT -> frame(2, recordBody(okMessage,
                    new byte[] {(byte) 0xff, (byte) 0xff, 1, 'k', 2, 0, 0, 0, 0, 0, 0, 0, 1}), 0);
            // One attribute whose string value claims 65,535 bytes.
            case ABSURD_ATTRIBUTE_LENGTH -> frame(2, recordBody(okMessage,
                    new byte[] {0, 1, 1, 'k', 1, (byte) 0xff, (byte) 0xff, 'x'}), 0);
            case ABSURD_MESSAGE_LENGTH -> frame(2, recordBody(new byte[] {(byte) 0xff, (byte) 0xff, 'h', 'i'},
                    new byte[] {0, 0}), 0);
        };
    }

    @ParameterizedTest
    @EnumSource(BadInput.class)
    void eachKindOfBadInputGetsAClearErrorAndACounterOnTcpAndUdp(BadInput kind) throws Exception {
        RecordingSink sink = new RecordingSink("collect");
        DefaultLogHub hub = hub(sink);
        hub.registerSender("tcp-bad", token(4));
        hub.registerSender("udp-bad", token(5));
        byte[] bad = badFrame(kind);
        // Frames built with a declared length of 0 or 30 get their real length here (the CRC is recomputed).
        if (kind != BadInput.OVERSIZED_FRAME && kind != BadInput.TRUNCATED_FRAME) {
            bad = frame(2, Arrays.copyOfRange(bad, 8, bad.length - 4), bad.length - 12);
        }
        byte[] ok = encoder.encode(TestSenders.record(0, "before"));
        sendAndAwaitClose(endpoint(hub, Transport.TCP),
                concat(encoder.encode(TestSenders.hello("tcp-bad", token(4), 1)), ok, bad));
        byte[] datagram = concat(encoder.encode(TestSenders.hello("udp-bad", token(5), 1)), bad);
        try (DatagramSocket socket = new DatagramSocket()) {
            socket.send(new DatagramPacket(datagram, datagram.length, endpoint(hub, Transport.UDP)));
        }
        await("TCP rejection counted", WAIT, () -> hub.stats("tcp-bad").rejected() == 1);
        await("UDP rejection counted", WAIT, () -> hub.stats("udp-bad").rejected() == 1);
        await("the record before the bad frame is kept", WAIT, () -> sink.count("tcp-bad", LogOrigin.TCP) == 1);
        for (String name : List.of("tcp-bad", "udp-bad")) {
            await("the rejection reported in the log of " + name, WAIT, () -> !sink.records(
                    r -> r.unikernel().equals(name) && r.origin() == LogOrigin.MONITOR).isEmpty());
            List<String> reports = sink.records(r -> r.unikernel().equals(name) && r.origin() == LogOrigin.MONITOR)
                    .stream().map(LogRecord::message).toList();
            assertTrue(reports.stream().anyMatch(m -> m.contains(kind.errorMentions)),
                    "a clear error naming " + kind.errorMentions + ": " + reports);
        }
        assertEquals(List.of(), decoderFailures(sink));
    }
}
