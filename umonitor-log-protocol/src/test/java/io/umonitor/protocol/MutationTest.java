package io.umonitor.protocol;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.SplittableRandom;
import java.util.zip.CRC32;
import org.junit.jupiter.api.Test;

/**
 * Seeded random mutation of valid inputs over all three transports: the decoders only ever return
 * frames or throw {@link FrameProtocolException}s, never anything else; every frame they return re-encodes
 * to exactly the bytes it came from; and no decode allocates more than a small multiple of its input,
 * which it would if it ever allocated from a length field it had not checked.
 *
 * <p>Defaults: 1,000,000 mutated inputs, seed 0x5eed. Reproduce or extend with
 * {@code -Dumonitor.mutation.seed=N -Dumonitor.mutation.count=N}.
 */
class MutationTest {
    static final long SEED = Long.getLong("umonitor.mutation.seed", 0x5eedL);
    static final int COUNT = Integer.getInteger("umonitor.mutation.count", 1_000_000);
    /** Corpus entries are at most this long, so an unchecked 64 KiB allocation could never pass the bound. */
    static final int MAX_BASE = 640;
    /** Allocation per decode: ALLOC_PER_BYTE per input byte (decoded strings, attributes) plus a constant for
     *  one exception with its message and a fresh TCP decoder. */
    static final long ALLOC_PER_BYTE = 32;
    static final long ALLOC_CONSTANT = 16 * 1024;
    static final int WARMUP = 20_000;

    private static final int[] INTERESTING_U32 = {0, 1, 2, 3, 7, 8, 12, 0x7f, 0x80, 0xff, 0x100, 0xffff, 0x10000,
        0xffef, 0xfff3, 0xfff4, 0x7fffffff, 0x80000000, 0xffffffff, 0xfffffff4};
    private static final int[] INTERESTING_BYTES = {0x00, 0x01, 0x02, 0x03, 0x04, 0x06, 0x07, 0x7f, 0x80, 0xbf, 0xc0,
        0xc1, 0xe0, 0xed, 0xf4, 0xf5, 0xfe, 0xff, 'U', 'M'};

    private final com.sun.management.ThreadMXBean threads =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    private final FrameDecoder frameDecoder = new FrameDecoder();
    private final DatagramDecoder datagramDecoder = new DatagramDecoder();
    private final ConsoleDecoder consoleDecoder = new ConsoleDecoder();
    private final FrameEncoder encoder = new FrameEncoder();
    private final ByteBuffer tcpBuffer = ByteBuffer.allocate(MAX_BASE * 2);
    private final CRC32 crc = new CRC32();

    private long frames;
    private final long[] errors = new long[ProtocolErrorCode.values().length];

    @Test
    void mutatedInputOnlyEverYieldsFramesOrProtocolExceptionsAndNeverAllocatesFromALength() {
        assertTrue(threads.isCurrentThreadCpuTimeSupported() && threads.isThreadAllocatedMemorySupported(),
                "this JVM cannot measure per-thread allocation (com.sun.management.ThreadMXBean)");
        threads.setThreadAllocatedMemoryEnabled(true);
        List<byte[]> corpus = corpus();
        assertTrue(corpus.size() >= 50, "corpus of " + corpus.size());
        SplittableRandom random = new SplittableRandom(SEED);
        byte[] work = new byte[MAX_BASE * 2];
        long maxAllocated = 0;
        long maxAllocatedInput = 0;
        long totalAllocated = 0;
        long start = System.nanoTime();
        for (int i = 0; i < COUNT; i++) {
            byte[] base = corpus.get(random.nextInt(corpus.size()));
            int length = mutate(base, work, random);
            if (random.nextBoolean()) {
                fixCrcs(work, length);
            }
            int transport = i & 3;
            long before = threads.getCurrentThreadAllocatedBytes();
            try {
                decode(transport, work, length, random);
            } catch (FrameProtocolException e) {
                errors[e.errorCode().ordinal()]++;
            } catch (Throwable t) {
                throw new AssertionError("mutation " + i + " (seed " + SEED + ", transport " + transport + ") threw "
                        + t + " for input " + HexFormat.of().formatHex(work, 0, length), t);
            }
            long allocated = threads.getCurrentThreadAllocatedBytes() - before;
            totalAllocated += allocated;
            long bound = ALLOC_PER_BYTE * (length * 4L / 3 + 8) + ALLOC_CONSTANT;
            if (i >= WARMUP && allocated > bound) {
                fail("mutation " + i + " (seed " + SEED + ", transport " + transport + ") allocated " + allocated
                        + " bytes decoding " + length + " bytes (bound " + bound + "): "
                        + HexFormat.of().formatHex(work, 0, length));
            }
            if (i >= WARMUP && allocated > maxAllocated) {
                maxAllocated = allocated;
                maxAllocatedInput = length;
            }
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        StringBuilder codes = new StringBuilder();
        for (ProtocolErrorCode code : ProtocolErrorCode.values()) {
            codes.append(' ').append(code).append('=').append(errors[code.ordinal()]);
        }
        System.out.printf("MutationTest: %,d mutated inputs (seed %d) in %.1f s (%,.0f/s): %,d frames decoded;"
                + " errors:%s; allocation per decode after warm-up: max %,d bytes (input %d bytes), mean %,d bytes%n",
                COUNT, SEED, seconds, COUNT / seconds, frames, codes, maxAllocated, maxAllocatedInput,
                totalAllocated / COUNT);
        assertTrue(frames > COUNT / 50, "too few mutated inputs still decode (" + frames + "): the test is weak");
        for (ProtocolErrorCode code : ProtocolErrorCode.values()) {
            assertTrue(errors[code.ordinal()] > 0 || COUNT < 100_000, "no mutation produced " + code);
        }
    }

    private void decode(int transport, byte[] bytes, int length, SplittableRandom random) {
        switch (transport) {
            case 0 -> {
                ByteBuffer in = ByteBuffer.wrap(bytes, 0, length);
                Frame f;
                while (true) {
                    int at = in.position();
                    f = frameDecoder.decode(in);
                    if (f == null) {
                        assertEquals(at, in.position(), "no frame, but bytes consumed");
                        break;
                    }
                    frames++;
                    // Encoding is canonical, so a decoded frame re-encodes to exactly its bytes.
                    byte[] again = encoder.encode(f);
                    assertArrayEquals(Arrays.copyOfRange(bytes, at, in.position()), again);
                }
                frameDecoder.endOfInput(in);
            }
            case 1 -> {
                TcpStreamDecoder tcp = new TcpStreamDecoder();
                int split = random.nextInt(length + 1);
                tcpBuffer.clear().put(bytes, 0, split).flip();
                while (tcp.decode(tcpBuffer) != null) {
                    frames++;
                }
                tcpBuffer.compact().put(bytes, split, length - split).flip();
                while (tcp.decode(tcpBuffer) != null) {
                    frames++;
                }
                tcp.endOfInput(tcpBuffer);
            }
            case 2 -> frames += datagramDecoder.decode(ByteBuffer.wrap(bytes, 0, length)).frames().size() + 1;
            default -> {
                String line = "@UM1:" + Base64.getEncoder().encodeToString(Arrays.copyOf(bytes, length));
                if (random.nextInt(4) == 0) {
                    line = mutateText(line, random);
                }
                if (consoleDecoder.decodeLine(line).isPresent()) {
                    frames++;
                }
            }
        }
    }

    private List<byte[]> corpus() {
        List<byte[]> corpus = new ArrayList<>();
        for (Vectors.Vector v : Vectors.all()) {
            if (!v.valid() && !v.transport().equals("frame")) {
                continue;
            }
            if (v.bytes() != null && v.bytes().length <= MAX_BASE) {
                corpus.add(v.bytes());
                if (v.valid()) {
                    for (Frame f : v.frames()) {
                        corpus.add(encoder.encode(f));
                    }
                }
            }
            if (v.valid() && v.transport().equals("console")) {
                for (Frame f : v.frames()) {
                    corpus.add(encoder.encode(f));
                }
            }
        }
        corpus.removeIf(b -> b.length > MAX_BASE);
        return corpus;
    }

    private int mutate(byte[] base, byte[] work, SplittableRandom random) {
        System.arraycopy(base, 0, work, 0, base.length);
        int length = base.length;
        int mutations = 1 + random.nextInt(3);
        for (int m = 0; m < mutations; m++) {
            int kind = random.nextInt(9);
            if (length == 0) {
                kind = 4;
            }
            switch (kind) {
                case 0 -> work[random.nextInt(length)] ^= (byte) (1 << random.nextInt(8));
                case 1 -> work[random.nextInt(length)] = (byte) random.nextInt(256);
                case 2 -> work[random.nextInt(length)] = (byte) INTERESTING_BYTES[random.nextInt(INTERESTING_BYTES.length)];
                case 3 -> length = random.nextInt(length + 1);
                case 4 -> {
                    int n = 1 + random.nextInt(8);
                    if (length + n <= work.length) {
                        int at = random.nextInt(length + 1);
                        System.arraycopy(work, at, work, at + n, length - at);
                        for (int k = 0; k < n; k++) {
                            work[at + k] = (byte) random.nextInt(256);
                        }
                        length += n;
                    }
                }
                case 5 -> {
                    int at = random.nextInt(length);
                    int n = 1 + random.nextInt(Math.min(8, length - at));
                    System.arraycopy(work, at + n, work, at, length - at - n);
                    length -= n;
                }
                case 6 -> {
                    // The frame's body length field, at a header found in the input.
                    int header = randomHeader(work, length, random);
                    if (header >= 0 && header + 8 <= length) {
                        putU32(work, header + 4, INTERESTING_U32[random.nextInt(INTERESTING_U32.length)]);
                    }
                }
                case 7 -> {
                    // Some length field inside a body: a str8, str16 or attribute count claiming too much.
                    int at = random.nextInt(length);
                    work[at] = (byte) 0xff;
                    if (at + 1 < length && random.nextBoolean()) {
                        work[at + 1] = (byte) 0xff;
                    }
                }
                default -> {
                    // Duplicate a chunk (a repeated frame or field).
                    int at = random.nextInt(length);
                    int n = Math.min(1 + random.nextInt(32), length - at);
                    if (length + n <= work.length) {
                        System.arraycopy(work, at, work, length, n);
                        length += n;
                    }
                }
            }
        }
        return length;
    }

    private static int randomHeader(byte[] work, int length, SplittableRandom random) {
        int found = -1;
        int seen = 0;
        for (int i = 0; i + 1 < length; i++) {
            if (work[i] == 'U' && work[i + 1] == 'M' && random.nextInt(++seen) == 0) {
                found = i;
            }
        }
        return found;
    }

    /** Recomputes the CRC of every complete frame, so that mutated bodies reach the body decoder. */
    private void fixCrcs(byte[] work, int length) {
        int at = 0;
        while (at + 8 <= length && work[at] == 'U' && work[at + 1] == 'M') {
            long body = ((work[at + 4] & 0xffL) << 24) | ((work[at + 5] & 0xff) << 16) | ((work[at + 6] & 0xff) << 8)
                    | (work[at + 7] & 0xff);
            if (at + 12 + body > length) {
                return;
            }
            crc.reset();
            crc.update(work, at, 8 + (int) body);
            putU32(work, at + 8 + (int) body, (int) crc.getValue());
            at += 12 + (int) body;
        }
    }

    private static void putU32(byte[] b, int at, int v) {
        b[at] = (byte) (v >>> 24);
        b[at + 1] = (byte) (v >>> 16);
        b[at + 2] = (byte) (v >>> 8);
        b[at + 3] = (byte) v;
    }

    private static String mutateText(String line, SplittableRandom random) {
        StringBuilder sb = new StringBuilder(line);
        char[] odd = {'=', '-', '_', ' ', '\r', '\u00e9', '\u0000', '\uD83D', '@', 'A'};
        switch (random.nextInt(4)) {
            case 0 -> sb.setCharAt(random.nextInt(sb.length()), odd[random.nextInt(odd.length)]);
            case 1 -> sb.insert(random.nextInt(sb.length() + 1), odd[random.nextInt(odd.length)]);
            case 2 -> sb.setLength(random.nextInt(sb.length() + 1));
            default -> {
                if (sb.length() > 5) {
                    sb.deleteCharAt(5 + random.nextInt(sb.length() - 5));
                }
            }
        }
        return sb.toString();
    }
}
