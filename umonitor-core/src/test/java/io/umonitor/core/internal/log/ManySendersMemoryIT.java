package io.umonitor.core.internal.log;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * 1,000 connected TCP senders, each with a full history of its records, fit in a JVM whose heap is
 * limited to 192 MiB (default settings: 32 KiB read buffer per connection, 4,096 records of history per
 * sender); the measured heap per sender is printed for the README.
 */
@Timeout(120)
class ManySendersMemoryIT {
    private static final int SENDERS = 1000;
    // History is 4,096 records per sender; 100 records each keep this test short and still show the fixed cost.
    private static final int RECORDS = 100;

    @Test
    void aThousandConnectedSendersFitInA192MiBHeap(@TempDir Path dir) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Path output = dir.resolve("out.txt");
        Process child = new ProcessBuilder(java, "-Xmx192m", "-XX:+UseSerialGC", "-cp",
                System.getProperty("java.class.path"), ManySendersMain.class.getName(), Integer.toString(SENDERS),
                Integer.toString(RECORDS)).redirectErrorStream(true).redirectOutput(output.toFile()).start();
        try {
            assertTrue(child.waitFor(100, TimeUnit.SECONDS), "the child did not finish");
        } finally {
            child.destroyForcibly();
        }
        String out = Files.readString(output, StandardCharsets.UTF_8);
        assertEquals(0, child.exitValue(), out);
        String line = out.lines().filter(l -> l.startsWith("HEAP ")).findFirst().orElseThrow(() -> new AssertionError(out));
        String[] f = line.split(" ");
        long perSender = (Long.parseLong(f[2]) - Long.parseLong(f[1])) / SENDERS;
        System.out.printf("heap per connected sender (%d records each, default settings): %d bytes; max heap %d MiB%n",
                RECORDS, perSender, Long.parseLong(f[4]) >> 20);
        // 32 KiB read buffer + 16 KiB history ring + records + decoder state: well under 128 KiB.
        assertTrue(perSender < 128 * 1024, "heap per sender " + perSender + " bytes");
    }
}
