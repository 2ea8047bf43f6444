package io.umonitor.kit.process;

import java.io.FileInputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;

/**
 * The processes of one process group, read from {@code /proc}: what a guest started, even those that were
 * re-parented to init when their parent ended (which {@link ProcessHandle#descendants()} no longer finds).
 * A group's id cannot be given to a new process while any member lives, so signalling the members found
 * under a group id never reaches a stranger.
 *
 * @since 0.1
 */
public final class ProcessGroup {

    private static final Path PROC = Path.of("/proc");
    /** /proc/PID/stat up to field 5 is at most 64 + 3 * 20 bytes; the rest is not needed. */
    private static final int STAT_BUFFER_BYTES = 512;

    private ProcessGroup() {
    }

    /**
     * The live processes whose process group is {@code pgid}; zombies are left out (they are dead and wait
     * only for their parent to reap them). Empty where /proc cannot be read.
     */
    static List<ProcessHandle> members(long pgid) {
        List<ProcessHandle> members = new ArrayList<>();
        // Runs after a guest's exit when its group is not known to be empty: one readdir, then per process
        // one small read of its stat into a reused buffer, parsed in place (no Path, String or split per
        // process; these took 20-30 us per process, over 2 ms on a host with 90 processes).
        String[] entries = PROC.toFile().list();
        if (entries == null) {
            return members;
        }
        byte[] buffer = new byte[STAT_BUFFER_BYTES];
        for (String entry : entries) {
            long pid = parsePid(entry);
            if (pid <= 0) {
                continue;
            }
            int length = readStat(entry, buffer);
            if (length > 0 && isLiveMemberOf(buffer, length, pgid)) {
                ProcessHandle.of(pid).ifPresent(members::add);
            }
        }
        return members;
    }

    /** Reads the start of /proc/NAME/stat; 0 when the process is gone or the file unreadable. */
    private static int readStat(String name, byte[] buffer) {
        try (FileInputStream in = new FileInputStream("/proc/" + name + "/stat")) {
            int total = 0;
            int n;
            while (total < buffer.length && (n = in.read(buffer, total, buffer.length - total)) > 0) {
                total += n;
            }
            return total;
        } catch (IOException e) {
            return 0;
        }
    }

    /**
     * Whether the stat line in {@code buffer} has process group {@code pgid} (field 5) and a state (field 3)
     * other than zombie. The command name (field 2) is in parentheses and may hold spaces and ')': the
     * fields after it start at the last ')', and none of them holds one.
     */
    static boolean isLiveMemberOf(byte[] buffer, int length, long pgid) {
        int close = -1;
        for (int i = length - 1; i >= 0; i--) {
            if (buffer[i] == ')') {
                close = i;
                break;
            }
        }
        // ") S PPID PGID ": the state at close + 2, then two numbers.
        int at = close + 2;
        if (close < 0 || at + 1 >= length || buffer[at + 1] != ' ') {
            return false;
        }
        boolean zombie = buffer[at] == 'Z';
        at += 2;
        while (at < length && buffer[at] != ' ') {   // field 4, the parent
            at++;
        }
        at++;
        long group = 0;
        int digits = 0;
        while (at < length && buffer[at] >= '0' && buffer[at] <= '9') {
            group = group * 10 + (buffer[at++] - '0');
            digits++;
        }
        return digits > 0 && at < length && buffer[at] == ' ' && group == pgid && !zombie;
    }

    private static long parsePid(String name) {
        if (name.isEmpty() || name.length() > 18) {
            return -1;
        }
        long pid = 0;
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            pid = pid * 10 + (c - '0');
        }
        return pid;
    }

    /** Field 5 of /proc/PID/stat; empty when the process is gone. */
    static OptionalLong processGroupOf(long pid) {
        return ProcStat.read(pid).map(s -> OptionalLong.of(s.processGroup())).orElse(OptionalLong.empty());
    }

    /** Field 6 of /proc/PID/stat (the session id); empty when the process is gone. */
    static OptionalLong sessionOf(long pid) {
        return ProcStat.read(pid).map(s -> OptionalLong.of(s.session())).orElse(OptionalLong.empty());
    }

    /**
     * SIGKILL to the process group that {@code pid} leads (as every {@link SupervisedProcess} started in
     * its own session does), e.g. for a guest a killed monitor left running. Does nothing when {@code pid}
     * does not lead its group: that group is someone else's (a terminal's, a JVM's). Returns how many
     * processes were signalled.
     */
    public static int killGroupLedBy(long pid) {
        OptionalLong group = processGroupOf(pid);
        return group.isPresent() && group.getAsLong() == pid ? killAll(pid) : 0;
    }

    /** SIGKILL to every member of the group. Returns how many were signalled. */
    static int killAll(long pgid) {
        List<ProcessHandle> members = members(pgid);
        members.forEach(ProcessHandle::destroyForcibly);
        return members.size();
    }

    /**
     * SIGKILL to every member of the group until none is alive, for at most {@code patience}; returns whether
     * the group was not empty. One pass is not enough: SIGKILL takes effect when the target next runs, and a
     * member may fork before it does, so its child joins the group after the signal.
     *
     * <p>The kernel answers whether the group is empty (kill(-pgid, 0)) and signals all of it at once
     * (kill(-pgid, SIGKILL)). /proc is read (about 10 us per process on the host) only where kill(2) cannot
     * be called, and to tell live members from zombies when the group stays non-empty after a signal: a
     * zombie whose reaper never comes (a container without an init) must not hold this up.
     */
    static boolean killAllAndWait(long pgid, Duration patience) {
        if (GroupSignal.probe(pgid) == GroupSignal.Answer.EMPTY) {
            return false;
        }
        long deadline = System.nanoTime() + patience.toNanos();
        while (true) {
            if (!GroupSignal.killGroup(pgid) && killAll(pgid) == 0) {
                return true;
            }
            if (System.nanoTime() - deadline > 0) {
                return true;
            }
            try {
                Thread.sleep(1);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return true;
            }
            if (GroupSignal.probe(pgid) == GroupSignal.Answer.EMPTY || members(pgid).isEmpty()) {
                return true;
            }
        }
    }
}
