package io.umonitor.protocol;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.umonitor.api.Attribute;
import io.umonitor.api.AttributeValue;
import io.umonitor.api.ConfigurationException;
import io.umonitor.api.GuestClock;
import io.umonitor.api.LogLevel;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.zip.CRC32;
import org.junit.jupiter.api.Test;

class CodecTest {
    static final Hello HELLO = new Hello("web-1", "0123456789abcdef0123456789abcdef", "umonitor-java", "0.1.0", 42);
    static final RecordFrame RECORD = new RecordFrame(7, GuestClock.WALL, 1_700_000_000_000_000_000L, LogLevel.WARN,
            "net", "NULL passed as buf", List.of(
                    Attribute.of("function", "send_packet"),
                    new Attribute("arg.buf", new AttributeValue.Null()),
                    new Attribute("arg.len", new AttributeValue.UInt(-1L)),
                    new Attribute("ratio", new AttributeValue.Float(-0.0)),
                    new Attribute("ok", new AttributeValue.Bool(true)),
                    new Attribute("raw", new AttributeValue.Bytes(new byte[] {0, 1, (byte) 0xff})),
                    Attribute.of("line", 42)));
    static final Goodbye GOODBYE = new Goodbye(8, 1, "exit");

    private final FrameEncoder encoder = new FrameEncoder();

    @Test
    void crcOfCheckStringIsTheStandardCheckValue() {
        CRC32 crc = new CRC32();
        crc.update("123456789".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        assertEquals(0xCBF43926L, crc.getValue());
    }

    @Test
    void goodbyeBytesMatchAHandComputedFrame() {
        // Header, u64 8, u64 1, str8 "exit" (21-byte body) written out by hand; the CRC was computed
        // independently of this codec with python3:
        //   zlib.crc32(bytes.fromhex("554d010300000015" "0000000000000008" "0000000000000001" "0465786974"))
        //   == 0x6e9b10b9
        assertEquals("554d010300000015" + "0000000000000008" + "0000000000000001" + "0465786974" + "6e9b10b9",
                HexFormat.of().formatHex(encoder.encode(GOODBYE)));
    }

    @Test
    void vectorFilesMatchBytesComputedIndependently() {
        // Written out field by field from PROTOCOL.md section 4, CRCs by python3 zlib.crc32 over the bytes
        // before them (not by this codec). All CRCs of every valid vector were also re-checked once with
        // python3 (header, lengths and zlib.crc32 of each frame, base64 of console lines): 53 frames.
        assertEquals("554d0101" + "00000040" + "05" + "7765622d31" + "20" + "3366326139633065356237643431653861"
                        + "366332663062396434653137613533" + "0a" + "756d6f6e69746f722d63" + "05" + "302e312e30"
                        + "0123456789abcdef" + "9caaf270",
                hexOf("hello"));
        assertEquals("554d0102" + "00000017" + "0000000000000000" + "00" + "0000000000000000" + "03" + "00" + "0000"
                + "0000" + "f8c8cc6d", hexOf("record-minimal"));
        assertEquals("554d010300000015" + "0000000000000003" + "0000000000000000" + "0465786974" + "eafff8f1",
                hexOf("goodbye"));
    }

    private static String hexOf(String vector) {
        return Vectors.all().stream().filter(v -> v.name().equals(vector)).findFirst().orElseThrow()
                .json().get("hex").asText();
    }

    @Test
    void everyFrameTypeRoundTrips() {
        for (Frame f : List.of(HELLO, RECORD, GOODBYE)) {
            Frame decoded = new FrameDecoder().decode(ByteBuffer.wrap(encoder.encode(f)));
            assertEquals(f, decoded);
        }
    }

    @Test
    void incompleteInputConsumesNothingAndSplitInputDecodes() {
        byte[] bytes = encoder.encode(RECORD);
        for (int split = 0; split < bytes.length; split++) {
            FrameDecoder decoder = new FrameDecoder();
            ByteBuffer buf = ByteBuffer.allocate(bytes.length);
            buf.put(bytes, 0, split).flip();
            assertNull(decoder.decode(buf));
            assertEquals(0, buf.position());
            buf.compact().put(bytes, split, bytes.length - split).flip();
            assertEquals(RECORD, decoder.decode(buf));
            assertEquals(bytes.length, buf.position());
        }
    }

    @Test
    void decodesFromDirectLittleEndianBuffersAtAnOffset() {
        byte[] bytes = encoder.encode(RECORD);
        ByteBuffer direct = ByteBuffer.allocateDirect(bytes.length + 5).order(ByteOrder.LITTLE_ENDIAN);
        direct.position(5);
        direct.put(bytes).position(5);
        assertEquals(RECORD, new FrameDecoder().decode(direct));
        assertEquals(bytes.length + 5, direct.position());
    }

    @Test
    void oversizedHeaderFailsBeforeTheBodyArrives() {
        ByteBuffer header = ByteBuffer.wrap(HexFormat.of().parseHex("554d01027fffffff"));
        FrameTooLongException e = assertThrows(FrameTooLongException.class, () -> new FrameDecoder().decode(header));
        assertEquals(ProtocolErrorCode.FRAME_TOO_LONG, e.errorCode());
        assertTrue(e.getMessage().contains("2147483647"), e.getMessage());
    }

    @Test
    void crcMismatchIsCorrupt() {
        byte[] bytes = encoder.encode(GOODBYE);
        bytes[10] ^= 1;
        assertThrows(CorruptFrameException.class, () -> new FrameDecoder().decode(ByteBuffer.wrap(bytes)));
    }

    @Test
    void datagramRoundTripsAndABadOneDoesNotAffectTheNext() {
        DatagramDecoder decoder = new DatagramDecoder();
        byte[] good = encoder.encodeDatagram(HELLO, List.of(RECORD, RECORD));
        byte[] bad = good.clone();
        bad[bad.length - 1] ^= 1;
        assertThrows(CorruptFrameException.class, () -> decoder.decode(ByteBuffer.wrap(bad)));
        Datagram d = decoder.decode(ByteBuffer.wrap(good));
        assertEquals(HELLO, d.hello());
        assertEquals(List.of(RECORD, RECORD), d.frames());
        byte[] onlyRecord = encoder.encode(RECORD);
        assertThrows(UnexpectedFrameException.class, () -> decoder.decode(ByteBuffer.wrap(onlyRecord)));
    }

    @Test
    void consoleLinesRoundTripAndPlainTextIsEmpty() {
        ConsoleDecoder decoder = new ConsoleDecoder();
        assertEquals(Optional.empty(), decoder.decodeLine("booting..."));
        assertEquals(Optional.of(RECORD), decoder.decodeLine(encoder.encodeConsoleLine(RECORD) + "\r\n"));
        assertThrows(CorruptFrameException.class, () -> decoder.decodeLine("@UM1:not base64!"));
        assertEquals(Optional.of(GOODBYE), decoder.decodeLine(encoder.encodeConsoleLine(GOODBYE)));
    }

    @Test
    void tcpRequiresHelloFirstAndStaysFailed() {
        TcpStreamDecoder decoder = new TcpStreamDecoder();
        ByteBuffer record = ByteBuffer.wrap(encoder.encode(RECORD));
        assertThrows(UnexpectedFrameException.class, () -> decoder.decode(record));
        ByteBuffer hello = ByteBuffer.wrap(encoder.encode(HELLO));
        assertThrows(UnexpectedFrameException.class, () -> decoder.decode(hello));
        assertEquals(0, hello.position());
    }

    @Test
    void recordsValidateForTheEncoder() {
        assertThrows(ConfigurationException.class, () -> new Hello("-bad", "", "c", "1", 0));
        assertThrows(ConfigurationException.class, () -> new Goodbye(0, 0, "x".repeat(256)));
        assertThrows(ConfigurationException.class,
                () -> new RecordFrame(0, GuestClock.NONE, 5, LogLevel.INFO, "", "", List.of()));
        assertThrows(ConfigurationException.class,
                () -> RecordFrame.of(0, 0, LogLevel.INFO, "\u00e9".repeat(128), ""));
        assertArrayEquals(encoder.encode(RECORD), encoder.encode(RECORD));
    }
}
