package io.umonitor.protocol;

import static io.umonitor.protocol.VectorGenerator.frame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

import io.umonitor.protocol.VectorGenerator.Raw;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Inputs whose length fields claim far more than they carry: the decoders must reject them (or wait for
 * more bytes) without allocating anything near the claimed size. Measured with the JVM's per-thread
 * allocation counter, averaged over many decodes after warm-up.
 */
class AllocationTest {
    private static final int ROUNDS = 2_000;
    /** One exception with its message and stack trace is a few KiB; nothing here may approach the claim. */
    private static final long PER_DECODE_LIMIT = 8 * 1024;

    private final com.sun.management.ThreadMXBean threads =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    record Case(String name, byte[] input, long claimedBytes) {
    }

    static List<Case> cases() {
        return List.of(
                new Case("header claims 2 GiB, 8 bytes present", HexFormat.of().parseHex("554d01027fffffff"),
                        0x7fffffffL),
                new Case("header claims 4 GiB, 9 bytes present", HexFormat.of().parseHex("554d0102ffffffff00"),
                        0xffffffffL),
                new Case("header claims 65,523 (allowed), 20 bytes present: waits without buffering",
                        HexFormat.of().parseHex("554d01020000fff3000000000000000000000000"), 65_523),
                new Case("message claims 65,535 bytes in a 31-byte body", frame(2, new Raw().u64(0).u8(0).u64(0)
                        .u8(3).str8("").u16(0xffff).raw(new byte[7]).u16(0).get()), 65_535 * 2),
                new Case("attribute count 65,535 in a 25-byte body", frame(2, new Raw().record(0, 0, 0, 3, "", "",
                        0xffff).str8("k").u8(0).get()), 65_535 * 4),
                new Case("BYTES attribute claims 65,535 bytes", frame(2, new Raw().record(0, 0, 0, 3, "", "", 1)
                        .str8("b").u8(6).u16(0xffff).u16(0).get()), 65_535),
                new Case("STRING attribute claims 65,535 bytes", frame(2, new Raw().record(0, 0, 0, 3, "", "", 1)
                        .str8("s").u8(1).u16(0xffff).u16(0).get()), 65_535 * 2),
                new Case("logger claims 255 bytes in a 23-byte body", frame(2, new Raw().u64(0).u8(0).u64(0).u8(3)
                        .u8(0xff).u16(0).get()), 255));
    }

    @TestFactory
    Stream<DynamicTest> lengthFieldsThatClaimMoreThanTheInputAllocateNothingNearTheClaim() {
        assertTrue(threads.isThreadAllocatedMemorySupported(),
                "this JVM cannot measure per-thread allocation (com.sun.management.ThreadMXBean)");
        threads.setThreadAllocatedMemoryEnabled(true);
        return cases().stream().flatMap(c -> Stream.of(
                dynamicTest("stream: " + c.name(), () -> measure(c, "stream", input -> {
                    FrameDecoder decoder = new FrameDecoder();
                    ByteBuffer in = ByteBuffer.wrap(input);
                    try {
                        assertNull(decoder.decode(in));
                    } catch (FrameProtocolException expected) {
                        return;
                    }
                })),
                dynamicTest("datagram: " + c.name(), () -> {
                    DatagramDecoder decoder = new DatagramDecoder();
                    measure(c, "datagram", input -> assertThrows(FrameProtocolException.class,
                            () -> decoder.decode(ByteBuffer.wrap(input))));
                }),
                dynamicTest("console: " + c.name(), () -> {
                    ConsoleDecoder decoder = new ConsoleDecoder();
                    String line = "@UM1:" + Base64.getEncoder().encodeToString(c.input());
                    measure(c, "console", input -> assertThrows(FrameProtocolException.class,
                            () -> decoder.decodeLine(line)));
                })));
    }

    private void measure(Case c, String transport, Consumer<byte[]> decode) {
        for (int i = 0; i < ROUNDS; i++) {
            decode.accept(c.input());
        }
        long before = threads.getCurrentThreadAllocatedBytes();
        for (int i = 0; i < ROUNDS; i++) {
            decode.accept(c.input());
        }
        long perDecode = (threads.getCurrentThreadAllocatedBytes() - before) / ROUNDS;
        System.out.printf("AllocationTest: %-8s %-75s input %3d bytes, claims %,11d, allocates %,6d bytes per decode%n",
                transport, c.name(), c.input().length, c.claimedBytes(), perDecode);
        assertTrue(perDecode < PER_DECODE_LIMIT && perDecode < c.claimedBytes() / 8 + 4096,
                c.name() + " over " + transport + " allocated " + perDecode + " bytes per decode for a "
                        + c.input().length + "-byte input that claims " + c.claimedBytes());
    }
}
