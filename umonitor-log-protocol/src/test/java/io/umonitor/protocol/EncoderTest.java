package io.umonitor.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.umonitor.api.Attribute;
import io.umonitor.api.AttributeValue;
import io.umonitor.api.ConfigurationException;
import io.umonitor.api.GuestClock;
import io.umonitor.api.LogLevel;
import java.nio.BufferOverflowException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Test;

/** What the encoder refuses, and the limits it enforces exactly at their edges. */
class EncoderTest {
    private final FrameEncoder encoder = new FrameEncoder();
    private final Hello hello = new Hello("web-1", "", "umonitor-java", "0.1.0", 1);

    private static RecordFrame withMessage(String message) {
        return new RecordFrame(0, GuestClock.WALL, 0, LogLevel.INFO, "", message, List.of());
    }

    @Test
    void theLongestFrameEncodesAndOneByteMoreIsRefused() {
        // body = 8 + 1 + 8 + 1 + 1 + 2 + n + 2 = 23 + n; frame = 35 + n <= 65535
        assertEquals(65_535, encoder.encode(withMessage("x".repeat(65_500))).length);
        RecordFrame tooLong = new RecordFrame(0, GuestClock.WALL, 0, LogLevel.INFO, "l", "x".repeat(65_500), List.of());
        ConfigurationException e = assertThrows(ConfigurationException.class, () -> encoder.encode(tooLong));
        assertTrue(e.getMessage().contains("65536") && e.getMessage().contains("shorten"), e.getMessage());
    }

    @Test
    void recordsRefuseFieldsOverTheirWireLimitsCountedInUtf8Bytes() {
        withMessage("\u20ac".repeat(21_845));
        assertThrows(ConfigurationException.class, () -> withMessage("\u20ac".repeat(21_846)));
        new RecordFrame(0, GuestClock.WALL, 0, LogLevel.INFO, "\uD83D\uDE00".repeat(63) + "abc", "", List.of());
        assertThrows(ConfigurationException.class, () -> new RecordFrame(0, GuestClock.WALL, 0, LogLevel.INFO,
                "\uD83D\uDE00".repeat(64), "", List.of()));
        assertThrows(ConfigurationException.class, () -> new RecordFrame(0, GuestClock.WALL, 0, LogLevel.INFO, "", "",
                List.of(Attribute.of("k".repeat(256), 1))));
        assertThrows(ConfigurationException.class, () -> new RecordFrame(0, GuestClock.WALL, 0, LogLevel.INFO, "", "",
                List.of(new Attribute("b", new AttributeValue.Bytes(new byte[65_536])))));
        assertThrows(ConfigurationException.class, () -> new Hello("web-1", "t".repeat(256), "c", "1", 0));
        assertThrows(ConfigurationException.class, () -> new Hello("a".repeat(64), "", "c", "1", 0));
        assertThrows(ConfigurationException.class, () -> new Hello("w\u00e9b", "", "c", "1", 0));
    }

    @Test
    void anUnpairedSurrogateIsRefusedWithItsPosition() {
        ConfigurationException e = assertThrows(ConfigurationException.class,
                () -> encoder.encode(withMessage("ok \uD800 bad")));
        assertTrue(e.getMessage().contains("RECORD message") && e.getMessage().contains("index 3"), e.getMessage());
        assertEquals(35, encoder.encode(withMessage("")).length, "the encoder is usable after a refusal");
    }

    @Test
    void encodingIntoATooSmallBufferWritesNothing() {
        ByteBuffer small = ByteBuffer.allocate(10);
        assertThrows(BufferOverflowException.class, () -> encoder.encode(new Goodbye(0, 0, ""), small));
        assertEquals(0, small.position());
        ByteBuffer exact = ByteBuffer.allocate(encoder.encodedLength(new Goodbye(0, 0, "")));
        assertEquals(exact.capacity(), encoder.encode(new Goodbye(0, 0, ""), exact));
        assertEquals(0, exact.remaining());
    }

    @Test
    void datagramsFollowTheirRules() {
        RecordFrame r = withMessage("m");
        assertThrows(ConfigurationException.class, () -> encoder.encodeDatagram(hello, List.of()));
        assertThrows(ConfigurationException.class, () -> encoder.encodeDatagram(hello, List.of(r, new Goodbye(1, 0, ""))));
        assertThrows(ConfigurationException.class, () -> encoder.encodeDatagram(hello, List.of(new Goodbye(1, 0, ""), r)));
        assertThrows(ConfigurationException.class, () -> encoder.encodeDatagram(hello, List.of(r, hello)));
        List<RecordFrame> many = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            many.add(withMessage("x".repeat(30_000)));
        }
        ConfigurationException e = assertThrows(ConfigurationException.class, () -> encoder.encodeDatagram(hello, many));
        assertTrue(e.getMessage().contains("65507"), e.getMessage());
        byte[] two = encoder.encodeDatagram(hello, many.subList(0, 2));
        assertEquals(2, new DatagramDecoder().decode(ByteBuffer.wrap(two)).frames().size());
    }

    @Test
    void consoleLinesArePaddedBase64OfTheFrameWithoutANewline() {
        String line = encoder.encodeConsoleLine(new Goodbye(3, 0, "exit"));
        assertTrue(line.startsWith("@UM1:") && !line.contains("\n"), line);
        assertEquals(0, (line.length() - 5) % 4);
        assertEquals(List.of((byte) 0x55, (byte) 0x4d), List.of(Base64.getDecoder().decode(line.substring(5))[0],
                Base64.getDecoder().decode(line.substring(5))[1]));
    }

    @Test
    void decodersRefuseAnImpossibleMaximum() {
        assertThrows(ConfigurationException.class, () -> new FrameDecoder(11));
        assertThrows(ConfigurationException.class, () -> new TcpStreamDecoder(65_536));
        FrameDecoder small = new FrameDecoder(64);
        FrameTooLongException e = assertThrows(FrameTooLongException.class,
                () -> small.decode(ByteBuffer.wrap(encoder.encode(withMessage("x".repeat(30))))));
        assertTrue(e.getMessage().contains("65 bytes") && e.getMessage().contains("maximum frame length of 64"),
                e.getMessage());
    }
}
