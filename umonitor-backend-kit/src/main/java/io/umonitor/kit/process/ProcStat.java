package io.umonitor.kit.process;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * The fields of {@code /proc/PID/stat} (proc(5)) that backends and the monitor read: who a process belongs
 * to and the CPU time it used. Times are in clock ticks (USER_HZ, 100 on Linux).
 *
 * @param state field 3, e.g. 'R', 'S', 'Z'
 * @param parent field 4, the parent's pid
 * @param processGroup field 5
 * @param session field 6
 * @param userTicks field 14, utime
 * @param systemTicks field 15, stime
 * @param childUserTicks field 16, cutime (of waited-for children)
 * @param childSystemTicks field 17, cstime
 * @param startTicks field 22, start time after boot
 * @since 0.1
 */
public record ProcStat(char state, long parent, long processGroup, long session, long userTicks, long systemTicks,
        long childUserTicks, long childSystemTicks, long startTicks) {

    private static final Path PROC = Path.of("/proc");

    /** The process's stat from this host's /proc; empty when it is gone. */
    public static Optional<ProcStat> read(long pid) {
        return read(PROC, pid);
    }

    /** The stat of {@code pid} under {@code proc} (a /proc mount); empty when it is gone or unreadable. */
    public static Optional<ProcStat> read(Path proc, long pid) {
        try {
            return parse(Files.readString(proc.resolve(Long.toString(pid)).resolve("stat"), StandardCharsets.UTF_8));
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /** Parses one stat line; empty when it is not one. */
    public static Optional<ProcStat> parse(String line) {
        // The command name (field 2) is in parentheses and may itself contain spaces and ')'.
        int close = line.lastIndexOf(')');
        if (close < 0 || close + 2 > line.length()) {
            return Optional.empty();
        }
        String[] f = line.substring(close + 2).trim().split(" ");
        // f[0] is field 3: field N is f[N - 3].
        try {
            return Optional.of(new ProcStat(f[0].charAt(0), Long.parseLong(f[1]), Long.parseLong(f[2]),
                    Long.parseLong(f[3]), Long.parseLong(f[11]), Long.parseLong(f[12]), Long.parseLong(f[13]),
                    Long.parseLong(f[14]), Long.parseLong(f[19])));
        } catch (RuntimeException e) {
            return Optional.empty();
        }
    }

    /** A process that ended and was not yet reaped by its parent. */
    public boolean isZombie() {
        return state == 'Z';
    }
}
