package io.umonitor.syslog;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class SyslogFrameReaderTest {

    /** Returns at most {@code chunk} bytes per read, so frames arrive split at every position. */
    private static InputStream chunked(byte[] data, int chunk) {
        return new ByteArrayInputStream(data) {
            @Override
            public synchronized int read(byte[] b, int off, int len) {
                return super.read(b, off, Math.min(len, chunk));
            }
        };
    }

    private static List<String> readAll(byte[] data, int chunk, int max) throws IOException {
        SyslogFrameReader reader = new SyslogFrameReader(chunked(data, chunk), max);
        List<String> out = new ArrayList<>();
        for (byte[] m; (m = reader.next()) != null; ) {
            out.add(new String(m, StandardCharsets.UTF_8));
        }
        return out;
    }

    @Test
    void octetCountedAndNewlineFramesMixedOnOneStreamSplitAtEveryPosition() throws IOException {
        String a = "<13>1 - h app - - - multi\nline ü";
        int aLength = a.getBytes(StandardCharsets.UTF_8).length;
        String stream = aLength + " " + a + "<14>Dec  3 10:00:00 h t: second\r\n\n" + "5 <13>x" + "<15>last without LF";
        byte[] data = stream.getBytes(StandardCharsets.UTF_8);
        for (int chunk = 1; chunk <= data.length; chunk++) {
            assertEquals(List.of(a, "<14>Dec  3 10:00:00 h t: second", "<13>x", "<15>last without LF"),
                    readAll(data, chunk, 100), "chunk " + chunk);
        }
    }

    @Test
    void anOversizedOctetCountIsRefusedBeforeItsBytesAreRead() throws IOException {
        byte[] data = "70000 <13>".getBytes(StandardCharsets.US_ASCII);
        int[] consumed = {0};
        InputStream counting = new ByteArrayInputStream(data) {
            @Override
            public synchronized int read(byte[] b, int off, int len) {
                int n = super.read(b, off, Math.min(len, 1));
                consumed[0] += Math.max(n, 0);
                return n;
            }
        };
        SyslogFrameReader reader = new SyslogFrameReader(counting, 8192);

        SyslogFormatException e = assertThrows(SyslogFormatException.class, reader::next);

        assertTrue(e.isTooLong(), e.getMessage());
        assertTrue(e.getMessage().contains("8192"), e.getMessage());
        assertTrue(consumed[0] <= 5, "read " + consumed[0] + " bytes: only the length digits may be read");
    }

    @Test
    void aNewlineMessageOverTheLimitIsRefusedAtTheLimit() {
        byte[] data = ("<13>" + "x".repeat(5000) + "\n").getBytes(StandardCharsets.US_ASCII);

        SyslogFormatException e = assertThrows(SyslogFormatException.class, () -> readAll(data, 64, 1000));

        assertTrue(e.isTooLong());
    }

    @Test
    void garbageZeroLengthAndTruncatedFramesAreMalformed() {
        for (String bad : new String[] {"hello\n", "0 <13>x", "12x<13>", "20 <13>short"}) {
            SyslogFormatException e = assertThrows(SyslogFormatException.class,
                    () -> readAll(bad.getBytes(StandardCharsets.US_ASCII), 3, 100), bad);
            assertTrue(!e.isTooLong(), bad);
        }
    }

    @Test
    void goodFramesBeforeABadOneAreDelivered() throws IOException {
        SyslogFrameReader reader = new SyslogFrameReader(chunked("6 <13>ok<13>fine\n@@@".getBytes(
                StandardCharsets.US_ASCII), 2), 100);

        assertEquals("<13>ok", new String(reader.next(), StandardCharsets.US_ASCII));
        assertEquals("<13>fine", new String(reader.next(), StandardCharsets.US_ASCII));
        assertThrows(SyslogFormatException.class, reader::next);
    }

    @Test
    void anEmptyStreamEndsCleanly() throws IOException {
        assertNull(new SyslogFrameReader(new ByteArrayInputStream(new byte[0]), 100).next());
    }
}
