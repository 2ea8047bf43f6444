package io.umonitor.core.internal.stats;

import io.umonitor.api.UnikernelStats;
import io.umonitor.api.UnikernelStats.InterfaceStats;
import io.umonitor.kit.process.ProcStat;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Reads a guest's resource figures from Linux's {@code /proc}: the process tree under the guest's host
 * process (its descendants, plus every process of its session, so a child that re-parented itself still
 * counts), and its taps' counters from {@code /proc/PID/net/dev}, which shows the devices of the network
 * namespace the process runs in — so a tap inside a namespace is read without entering it.
 */
public final class HostProcStats {
    private final Path proc;
    private final long ticksPerSecond;

    public HostProcStats() {
        this(Path.of("/proc"), 100);
    }

    /**
     * @param proc where procfs is mounted
     * @param ticksPerSecond the kernel's USER_HZ, in which {@code /proc/PID/stat} counts CPU time (100 on
     *     every Linux architecture umonitor runs on)
     */
    HostProcStats(Path proc, long ticksPerSecond) {
        this.proc = proc;
        this.ticksPerSecond = ticksPerSecond;
    }

    /** Empty when {@code pid} is gone or /proc cannot be read (not Linux). */
    public Optional<UnikernelStats> sample(String unikernel, long pid, int restarts, Collection<String> devices) {
        Optional<ProcStat> root = stat(pid);
        if (root.isEmpty()) {
            return Optional.empty();
        }
        Set<Long> tree = tree(pid, root.get().session());
        long userTicks = root.get().childUserTicks();
        long systemTicks = root.get().childSystemTicks();
        long rss = 0;
        long peak = 0;
        int processes = 0;
        for (long p : tree) {
            Optional<ProcStat> s = p == pid ? root : stat(p);
            if (s.isEmpty()) {
                continue;
            }
            processes++;
            userTicks += s.get().userTicks();
            systemTicks += s.get().systemTicks();
            long[] memory = memoryKb(p);
            rss += memory[0] * 1024;
            peak += memory[1] * 1024;
        }
        Instant now = Instant.now();
        Duration uptime = bootTime().map(boot -> Duration.between(
                boot.plusMillis(root.get().startTicks() * 1000 / ticksPerSecond), now)).orElse(Duration.ZERO);
        return Optional.of(new UnikernelStats(unikernel, now, uptime.isNegative() ? Duration.ZERO : uptime, restarts,
                processes, ticks(userTicks), ticks(systemTicks), rss, Math.max(peak, rss),
                interfaces(pid, devices)));
    }

    private Duration ticks(long ticks) {
        return Duration.ofNanos(ticks * (1_000_000_000L / ticksPerSecond));
    }

    /** The guest's process, its descendants, and the rest of its session when it leads one. */
    private Set<Long> tree(long pid, long session) {
        Map<Long, List<Long>> children = new HashMap<>();
        Set<Long> tree = new HashSet<>();
        tree.add(pid);
        try (DirectoryStream<Path> dirs = Files.newDirectoryStream(proc, "[0-9]*")) {
            for (Path dir : dirs) {
                long p;
                try {
                    p = Long.parseLong(dir.getFileName().toString());
                } catch (NumberFormatException e) {
                    continue;
                }
                Optional<ProcStat> s = stat(p);
                if (s.isEmpty()) {
                    continue;
                }
                children.computeIfAbsent(s.get().parent(), k -> new ArrayList<>()).add(p);
                if (session == pid && s.get().session() == session) {
                    tree.add(p);
                }
            }
        } catch (IOException e) {
            return tree;
        }
        ArrayDeque<Long> todo = new ArrayDeque<>(tree);
        while (!todo.isEmpty()) {
            for (long child : children.getOrDefault(todo.poll(), List.of())) {
                if (tree.add(child)) {
                    todo.add(child);
                }
            }
        }
        return tree;
    }

    Optional<ProcStat> stat(long pid) {
        return ProcStat.read(proc, pid);
    }

    /** {VmRSS, VmHWM} in kB; zeros for a kernel thread or a process that just ended. */
    private long[] memoryKb(long pid) {
        long[] out = new long[2];
        try {
            for (String line : Files.readAllLines(proc.resolve(Long.toString(pid)).resolve("status"))) {
                if (line.startsWith("VmRSS:")) {
                    out[0] = kb(line);
                } else if (line.startsWith("VmHWM:")) {
                    out[1] = kb(line);
                }
            }
        } catch (IOException e) {
            // gone since the scan: counts nothing
        }
        return out;
    }

    private static long kb(String line) {
        String[] parts = line.substring(line.indexOf(':') + 1).trim().split("\\s+");
        return Long.parseLong(parts[0]);
    }

    private Optional<Instant> bootTime() {
        try {
            for (String line : Files.readAllLines(proc.resolve("stat"))) {
                if (line.startsWith("btime ")) {
                    return Optional.of(Instant.ofEpochSecond(Long.parseLong(line.substring(6).trim())));
                }
            }
        } catch (IOException | NumberFormatException e) {
            // no boot time: uptime stays unknown (zero)
        }
        return Optional.empty();
    }

    /** Counters of {@code devices} as seen from inside the process's own network namespace. */
    List<InterfaceStats> interfaces(long pid, Collection<String> devices) {
        if (devices.isEmpty()) {
            return List.of();
        }
        List<InterfaceStats> out = new ArrayList<>();
        try {
            for (String line : Files.readAllLines(proc.resolve(Long.toString(pid)).resolve("net").resolve("dev"))) {
                int colon = line.indexOf(':');
                if (colon < 0) {
                    continue;
                }
                String device = line.substring(0, colon).trim();
                if (!devices.contains(device)) {
                    continue;
                }
                String[] v = line.substring(colon + 1).trim().split("\\s+");
                out.add(new InterfaceStats(device, Long.parseLong(v[0]), Long.parseLong(v[1]), Long.parseLong(v[2]),
                        Long.parseLong(v[3]), Long.parseLong(v[8]), Long.parseLong(v[9]), Long.parseLong(v[10]),
                        Long.parseLong(v[11])));
            }
        } catch (IOException | RuntimeException e) {
            return out;
        }
        return out;
    }
}
