package io.umonitor.protocol;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.umonitor.protocol.Vectors.Vector;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/** Every committed vector (PROTOCOL.md section 9) against the decoders and the encoder. */
class VectorTest {

    @Test
    void theVectorSetIsCompleteAndWellFormed() throws Exception {
        List<Vector> all = Vectors.all();
        assertTrue(all.size() >= 109, "expected the full vector set in " + Vectors.DIR.toAbsolutePath());
        assertTrue(Files.exists(Vectors.DIR.resolve("README.md")));
        Set<String> transports = all.stream().map(Vector::transport).collect(Collectors.toCollection(TreeSet::new));
        assertEquals(Set.of("console", "frame", "tcp", "udp"), transports);
        Set<String> codes = all.stream().filter(v -> !v.valid()).map(v -> v.error().name()).collect(Collectors.toSet());
        for (ProtocolErrorCode code : ProtocolErrorCode.values()) {
            assertTrue(codes.contains(code.name()), "no vector for " + code);
        }
        for (Vector v : all) {
            assertEquals(v.name() + ".json", Vectors.DIR.resolve(v.name() + ".json").getFileName().toString());
            assertTrue(Files.exists(Vectors.DIR.resolve(v.name() + ".json")), v.name());
            assertNotNull(v.json().get("description"), v.name());
            assertTrue(v.transport().equals("console") ? v.text() != null : v.bytes() != null, v.name());
            if (v.json().has("hex")) {
                assertEquals(v.json().get("hex").asText().toLowerCase(), v.json().get("hex").asText(), "lowercase hex");
            }
        }
    }

    @TestFactory
    Stream<DynamicTest> everyVectorDecodesToItsJson() {
        ObjectMapper mapper = new ObjectMapper();
        return Vectors.all().stream().map(v -> dynamicTest(v.name(), () -> {
            VectorRunner.Result r = VectorRunner.run(v.transport(), v.bytes(), v.text());
            assertEquals(v.json().get("frames"), VectorJson.toJson(r.frames()), "frames of " + v.name());
            assertEquals(v.frames(), r.frames(), "frames of " + v.name());
            assertEquals(v.error(), r.error(), "error of " + v.name());
            assertEquals(v.consoleText(), r.consoleText(), "console text of " + v.name());
            if (v.accounting() != null) {
                assertEquals(v.accounting(), VectorRunner.accounting(r.frames()), "accounting of " + v.name());
            }
            JsonNode roundTrip = mapper.readTree(mapper.writeValueAsString(VectorJson.toJson(v.frames())));
            assertEquals(v.json().get("frames"), roundTrip);
        }));
    }

    @TestFactory
    Stream<DynamicTest> theEncoderReproducesEveryValidVector() {
        return Vectors.all().stream().filter(Vector::valid).map(v -> dynamicTest(v.name(), () -> {
            FrameEncoder encoder = new FrameEncoder();
            List<Frame> frames = v.frames();
            switch (v.transport()) {
                case "udp" -> assertEquals(v.json().get("hex").asText(), HexFormat.of().formatHex(
                        encoder.encodeDatagram((Hello) frames.get(0), frames.subList(1, frames.size()))));
                case "console" -> {
                    List<String> frameLines = new ArrayList<>();
                    for (String line : VectorRunner.lines(v.text())) {
                        if (line.startsWith("@UM1:")) {
                            frameLines.add(VectorRunner.stripNewline(line));
                        }
                    }
                    assertEquals(frameLines, frames.stream().map(encoder::encodeConsoleLine).toList());
                }
                default -> {
                    ByteArrayOutputStream out = new ByteArrayOutputStream();
                    ByteBuffer buffer = ByteBuffer.allocate(70_000);
                    for (Frame f : frames) {
                        out.writeBytes(encoder.encode(f));
                        encoder.encode(f, buffer);
                    }
                    assertEquals(v.json().get("hex").asText(), HexFormat.of().formatHex(out.toByteArray()));
                    assertArrayEquals(out.toByteArray(), java.util.Arrays.copyOf(buffer.array(), buffer.position()));
                }
            }
        }));
    }

    /** Two chunks through a compacting receive buffer, at every split point, heap and direct. */
    @TestFactory
    Stream<DynamicTest> everyStreamVectorDecodesIdenticallySplitInTwoAnywhere() {
        return Vectors.of("frame", "tcp").map(v -> dynamicTest(v.name(), () -> {
            byte[] bytes = v.bytes();
            VectorRunner.Result whole = VectorRunner.run(v.transport(), bytes, null);
            boolean tcp = v.transport().equals("tcp");
            ByteBuffer heap = ByteBuffer.allocate(bytes.length);
            ByteBuffer direct = ByteBuffer.allocateDirect(bytes.length);
            // Every point, except in the 64 KiB vector (about 100 us per decode here, so minutes in all):
            // every point of its first and last 4 KiB, where the header, fields and CRC are, and every
            // 61st point between.
            for (int split = 0; split <= bytes.length;
                    split += bytes.length < 16_384 || split < 4096 || split > bytes.length - 4096 ? 1 : 61) {
                ByteBuffer buffer = (split % 2 == 1 ? direct : heap).clear();
                VectorRunner.Result result = feed(buffer, bytes, new int[] {split, bytes.length}, tcp);
                if (!whole.equals(result)) {
                    assertEquals(whole, result, "split at " + split);
                }
            }
        }));
    }

    @TestFactory
    Stream<DynamicTest> everyStreamVectorDecodesIdenticallyByteByByte() {
        return Vectors.of("frame", "tcp").map(v -> dynamicTest(v.name(), () -> {
            byte[] bytes = v.bytes();
            VectorRunner.Result whole = VectorRunner.run(v.transport(), bytes, null);
            // The bytes arrive one at a time in place (the limit grows), as a receiver that never compacts.
            List<Frame> frames = new ArrayList<>();
            FrameDecoder plain = new FrameDecoder();
            TcpStreamDecoder ordered = new TcpStreamDecoder();
            boolean tcp = v.transport().equals("tcp");
            ByteBuffer in = ByteBuffer.wrap(bytes).limit(0);
            ProtocolErrorCode error = null;
            try {
                for (int arrived = 1; arrived <= bytes.length; arrived++) {
                    in.limit(arrived);
                    int before = in.position();
                    Frame f = tcp ? ordered.decode(in) : plain.decode(in);
                    if (f == null) {
                        assertEquals(before, in.position(), "an incomplete frame consumed bytes");
                    } else {
                        frames.add(f);
                    }
                }
                if (tcp) {
                    ordered.endOfInput(in);
                } else {
                    plain.endOfInput(in);
                }
            } catch (FrameProtocolException e) {
                error = e.errorCode();
            }
            assertEquals(whole, new VectorRunner.Result(frames, error, List.of()));
        }));
    }

    static VectorRunner.Result feed(ByteBuffer buffer, byte[] bytes, int[] chunkEnds, boolean tcp) {
        List<Frame> frames = new ArrayList<>();
        FrameDecoder plain = new FrameDecoder();
        TcpStreamDecoder ordered = new TcpStreamDecoder();
        int sent = 0;
        try {
            for (int end : chunkEnds) {
                buffer.put(bytes, sent, end - sent);
                sent = end;
                buffer.flip();
                Frame f;
                while ((f = tcp ? ordered.decode(buffer) : plain.decode(buffer)) != null) {
                    frames.add(f);
                }
                buffer.compact();
            }
            buffer.flip();
            if (tcp) {
                ordered.endOfInput(buffer);
            } else {
                plain.endOfInput(buffer);
            }
            return new VectorRunner.Result(frames, null, List.of());
        } catch (FrameProtocolException e) {
            return new VectorRunner.Result(frames, e.errorCode(), List.of());
        }
    }

    @TestFactory
    Stream<DynamicTest> afterABadDatagramTheNextOneDecodes() {
        byte[] good = Vectors.all().stream().filter(v -> v.name().equals("udp-several-records")).findFirst()
                .orElseThrow().bytes();
        return Vectors.of("udp").filter(v -> !v.valid()).map(v -> dynamicTest(v.name(), () -> {
            DatagramDecoder decoder = new DatagramDecoder();
            ByteBuffer bad = ByteBuffer.wrap(v.bytes());
            FrameProtocolException e = assertThrows(FrameProtocolException.class, () -> decoder.decode(bad));
            assertEquals(v.error(), e.errorCode());
            assertEquals(0, bad.position(), "a rejected datagram is left as it was");
            ByteBuffer next = ByteBuffer.wrap(good);
            assertEquals(4, decoder.decode(next).frames().size() + 1);
            assertEquals(good.length, next.position());
        }));
    }

    @TestFactory
    Stream<DynamicTest> afterABadConsoleLineTheNextOneDecodes() {
        String good = new FrameEncoder().encodeConsoleLine(new Goodbye(1, 0, "exit"));
        return Vectors.of("console").filter(v -> !v.valid()).map(v -> dynamicTest(v.name(), () -> {
            ConsoleDecoder decoder = new ConsoleDecoder();
            String badLine = v.consoleText().get(1);
            FrameProtocolException e = assertThrows(FrameProtocolException.class, () -> decoder.decodeLine(badLine));
            assertEquals(v.error(), e.errorCode());
            assertTrue(decoder.decodeLine(good).isPresent());
        }));
    }

    @TestFactory
    Stream<DynamicTest> onTcpTheFirstErrorFailsTheConnectionForGood() {
        byte[] hello = new FrameEncoder().encode(VectorGenerator.HELLO);
        return Vectors.of("tcp").filter(v -> !v.valid()).map(v -> dynamicTest(v.name(), () -> {
            TcpStreamDecoder decoder = new TcpStreamDecoder();
            ByteBuffer in = ByteBuffer.wrap(v.bytes());
            FrameProtocolException first = null;
            try {
                while (decoder.decode(in) != null) {
                    // keep decoding until the error
                }
                decoder.endOfInput(in);
            } catch (FrameProtocolException e) {
                first = e;
            }
            assertNotNull(first);
            assertEquals(v.error(), first.errorCode());
            FrameProtocolException failure = first;
            assertSame(failure, assertThrows(FrameProtocolException.class,
                    () -> decoder.decode(ByteBuffer.wrap(hello))));
            assertSame(failure, decoder.failure().orElseThrow());
        }));
    }

    @Test
    void errorMessagesNameTheInputAndTheFix() {
        FrameProtocolException e = assertThrows(FrameProtocolException.class,
                () -> new FrameDecoder().decode(ByteBuffer.wrap(vector("invalid-bool-2").bytes())));
        assertTrue(e.getMessage().contains("value 2") && e.getMessage().contains("must send 0"), e.getMessage());
        e = assertThrows(FrameProtocolException.class,
                () -> new FrameDecoder().decode(ByteBuffer.wrap(vector("invalid-utf8-surrogate").bytes())));
        assertTrue(e.getMessage().contains("message") && e.getMessage().contains("UTF-8"), e.getMessage());
        e = assertThrows(FrameProtocolException.class,
                () -> new FrameDecoder().decode(ByteBuffer.wrap(vector("invalid-too-long-header-only").bytes())));
        assertTrue(e.getMessage().contains("2147483647") && e.getMessage().contains("65535"), e.getMessage());
    }

    private static Vector vector(String name) {
        return Vectors.all().stream().filter(v -> v.name().equals(name)).findFirst().orElseThrow();
    }
}
