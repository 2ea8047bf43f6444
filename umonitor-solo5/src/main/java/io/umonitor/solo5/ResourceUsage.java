package io.umonitor.solo5;

import io.umonitor.kit.process.ProcStat;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Resource accounting for a running tender, read from {@code /proc}: CPU time and resident memory of the
 * tender process (which contains the whole guest), and the byte counters of its taps. Counters are read
 * from {@code /proc/PID/net/dev}, which shows the interfaces of the network namespace the tender runs in,
 * so taps inside a namespace are counted too.
 */
final class ResourceUsage {

    /** USER_HZ, the unit of /proc/PID/stat CPU times: 100 on every Linux architecture umonitor runs on. */
    private static final long CLOCK_TICKS_PER_SECOND = 100;

    private ResourceUsage() {
    }

    /**
     * @param taps spec device name to tap interface name
     * @return keys {@code cpu-time-ms}, {@code rss-kb}, {@code net.DEVICE.guest-rx-bytes} (what the host
     *     sent the guest) and {@code net.DEVICE.guest-tx-bytes}; empty when the process is gone
     */
    static Map<String, String> read(Path proc, long pid, Map<String, String> taps) {
        Map<String, String> usage = new LinkedHashMap<>();
        Path dir = proc.resolve(Long.toString(pid));
        try {
            Optional<ProcStat> stat = ProcStat.read(proc, pid);
            if (stat.isEmpty()) {
                return Map.of();
            }
            long ticks = stat.get().userTicks() + stat.get().systemTicks();
            usage.put("cpu-time-ms", Long.toString(ticks * 1000 / CLOCK_TICKS_PER_SECOND));
            for (String line : Files.readAllLines(dir.resolve("status"))) {
                if (line.startsWith("VmRSS:")) {
                    usage.put("rss-kb", line.substring(6).replace("kB", "").trim());
                }
            }
            if (!taps.isEmpty()) {
                Map<String, long[]> counters = netDev(Files.readAllLines(dir.resolve("net/dev")));
                taps.forEach((device, tap) -> {
                    long[] c = counters.get(tap);
                    if (c != null) {
                        usage.put("net." + device + ".guest-tx-bytes", Long.toString(c[0]));
                        usage.put("net." + device + ".guest-rx-bytes", Long.toString(c[1]));
                    }
                });
            }
        } catch (IOException | RuntimeException e) {
            // The tender ended between two reads: nothing to account any more.
            return Map.of();
        }
        return usage;
    }

    /** Interface name to {receive bytes, transmit bytes} from the host's point of view. */
    static Map<String, long[]> netDev(List<String> lines) {
        Map<String, long[]> counters = new LinkedHashMap<>();
        for (String line : lines) {
            int colon = line.indexOf(':');
            if (colon < 0) {
                continue;
            }
            String[] f = line.substring(colon + 1).trim().split("\\s+");
            if (f.length >= 9) {
                counters.put(line.substring(0, colon).trim(), new long[] {Long.parseLong(f[0]), Long.parseLong(f[8])});
            }
        }
        return counters;
    }
}
