package io.umonitor.kit.process;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
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

    private ProcessGroup() {
    }

    /**
     * The live processes whose process group is {@code pgid}; zombies are left out (they are dead and wait
     * only for their parent to reap them). Empty where /proc cannot be read.
     */
    static List<ProcessHandle> members(long pgid) {
        List<ProcessHandle> members = new ArrayList<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(PROC, ProcessGroup::isPidDirectory)) {
            for (Path entry : entries) {
                long pid = Long.parseLong(entry.getFileName().toString());
                Optional<ProcStat> stat = ProcStat.read(pid);
                if (stat.isPresent() && stat.get().processGroup() == pgid && !stat.get().isZombie()) {
                    ProcessHandle.of(pid).ifPresent(members::add);
                }
            }
        } catch (IOException | RuntimeException e) {
            return members;
        }
        return members;
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
     * SIGKILL to every member of the group until none is alive, for at most {@code patience}. One pass is
     * not enough: SIGKILL takes effect when the target next runs, and a member may fork between the scan
     * and the signal, so the child escapes a single pass. Returns how many were signalled in all.
     */
    static int killAllAndWait(long pgid, Duration patience) {
        long deadline = System.nanoTime() + patience.toNanos();
        int signalled = 0;
        while (true) {
            int found = killAll(pgid);
            signalled += found;
            if (found == 0 || System.nanoTime() - deadline > 0) {
                return signalled;
            }
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return signalled;
            }
        }
    }

    private static boolean isPidDirectory(Path entry) {
        String name = entry.getFileName().toString();
        return !name.isEmpty() && name.chars().allMatch(Character::isDigit);
    }
}
