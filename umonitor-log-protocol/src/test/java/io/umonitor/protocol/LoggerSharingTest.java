package io.umonitor.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import io.umonitor.api.GuestClock;
import io.umonitor.api.LogLevel;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A decoder shares a repeated logger name between records, and never hands out a stale one. */
class LoggerSharingTest {
    private final FrameEncoder encoder = new FrameEncoder();

    private List<RecordFrame> decode(String... loggers) {
        ByteBuffer out = ByteBuffer.allocate(64 * 1024);
        encoder.encode(new Hello("web-1", "", "test", "1", 7), out);
        for (int i = 0; i < loggers.length; i++) {
            encoder.encode(new RecordFrame(i, GuestClock.NONE, 0, LogLevel.INFO, loggers[i], "m" + i, List.of()), out);
        }
        out.flip();
        TcpStreamDecoder decoder = new TcpStreamDecoder();
        List<RecordFrame> records = new ArrayList<>();
        Frame f;
        while ((f = decoder.decode(out)) != null) {
            if (f instanceof RecordFrame r) {
                records.add(r);
            }
        }
        return records;
    }

    @Test
    void repeatedLoggerIsOneString() {
        List<RecordFrame> r = decode("http", "http", "http");
        assertEquals("http", r.get(0).logger());
        assertSame(r.get(0).logger(), r.get(1).logger());
        assertSame(r.get(0).logger(), r.get(2).logger());
    }

    @Test
    void sameLengthDifferentBytesAndChangesBackAreDecodedAfresh() {
        String longName = "x".repeat(200);   // longer than the remembered size: decoded every time
        List<RecordFrame> r = decode("http", "smtp", "http", "", "héllo", "héllo", "hëllo", longName, longName, "http");
        List<String> loggers = r.stream().map(RecordFrame::logger).toList();
        assertEquals(List.of("http", "smtp", "http", "", "héllo", "héllo", "hëllo", longName, longName, "http"), loggers);
        assertSame(r.get(4).logger(), r.get(5).logger());
    }
}
