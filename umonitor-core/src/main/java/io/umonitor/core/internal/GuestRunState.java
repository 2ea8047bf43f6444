package io.umonitor.core.internal;

import io.umonitor.kit.process.ProcessGroup;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.Optional;
import java.util.Properties;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The run-state records of launched guests: one small file per running guest process under
 * {@code STATE/guests/}, named {@code guest-MONITORPID-NAME-ATTEMPT.run}, written when the process has
 * started and deleted when it has ended. A monitor killed with SIGKILL cannot delete them, so the next
 * monitor that shares the state directory kills what they name.
 *
 * <p>A process is killed only when everything recorded still matches: the owning monitor (pid and
 * start time) is gone, and the guest's pid is alive with the same start time (pid and start time name
 * one process for the life of the host, across an exec). A reused pid, a live owner or a process that
 * was never recorded is left alone: never a match by command or name alone.
 */
public final class GuestRunState {
    private static final Logger LOG = LoggerFactory.getLogger(GuestRunState.class);
    static final String PREFIX = "guest-";
    static final String SUFFIX = ".run";

    private final Path directory;
    private final long monitorPid;
    private final long monitorStartMillis;

    public GuestRunState(Path directory) throws IOException {
        this.directory = Files.createDirectories(directory);
        ProcessHandle self = ProcessHandle.current();
        this.monitorPid = self.pid();
        this.monitorStartMillis = startMillis(self);
    }

    public Path directory() {
        return directory;
    }

    private Path file(String name, int attempt) {
        // Unikernel names are validated ([A-Za-z0-9._-]), so the file name cannot leave the directory.
        return directory.resolve(PREFIX + monitorPid + "-" + name + "-" + attempt + SUFFIX);
    }

    private static long startMillis(ProcessHandle process) {
        return process.info().startInstant().map(Instant::toEpochMilli).orElse(-1L);
    }

    /** Records a guest process that has just started; failures are logged, never thrown (the guest runs anyway). */
    public void started(String name, int attempt, long pid) {
        // One look at /proc for both facts (each ProcessHandle.info() reads several files of the process).
        Optional<ProcessHandle.Info> info = ProcessHandle.of(pid).map(ProcessHandle::info);
        // Written by hand in the format Properties.load reads: Properties.store took 130 us of the launch
        // thread at launch-path warmth (a date in the comment, a Hashtable, per-character escaping).
        String record = "# a guest process of umonitor; deleted when it ends\n"
                + "unikernel=" + escaped(name) + "\n"
                + "attempt=" + attempt + "\n"
                + "pid=" + pid + "\n"
                + "startMillis=" + info.flatMap(ProcessHandle.Info::startInstant).map(Instant::toEpochMilli).orElse(-1L) + "\n"
                + "command=" + escaped(info.flatMap(ProcessHandle.Info::command).orElse("")) + "\n"
                + "monitorPid=" + monitorPid + "\n"
                + "monitorStartMillis=" + monitorStartMillis + "\n";
        Path target = file(name, attempt);
        Path temporary = target.resolveSibling(target.getFileName() + ".tmp");
        try {
            Files.writeString(temporary, record, StandardCharsets.US_ASCII);
            try {
                Files.move(temporary, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(temporary, target, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            LOG.warn("cannot record guest '{}' (pid {}) in {}: {}; if this monitor is killed, the next one will not "
                    + "find this process", name, pid, directory, e.toString());
        }
    }

    /**
     * {@code value} as a value of a {@link Properties} file: ASCII only, with the escapes
     * {@link Properties#load(Reader)} undoes (a command path may hold any character).
     */
    static String escaped(String value) {
        StringBuilder out = new StringBuilder(value.length() + 8);
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            switch (c) {
                case '\\' -> out.append("\\\\");
                case '\t' -> out.append("\\t");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\f' -> out.append("\\f");
                case '=', ':', '#', '!' -> out.append('\\').append(c);
                default -> {
                    if (c == ' ' && i == 0) {
                        out.append("\\ ");
                    } else if (c < 0x20 || c > 0x7e) {
                        out.append(String.format("\\u%04X", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        return out.toString();
    }

    /** Deletes the record of a guest process that has ended. */
    public void ended(String name, int attempt) {
        try {
            Files.deleteIfExists(file(name, attempt));
        } catch (IOException e) {
            LOG.warn("cannot delete the run-state record of guest '{}' in {}: {}", name, directory, e.toString());
        }
    }

    /**
     * Kills the guest processes recorded by monitors that are no longer running and deletes their records.
     *
     * @return how many processes were killed
     */
    public int removeLeftovers() {
        int killed = 0;
        try (DirectoryStream<Path> files = Files.newDirectoryStream(directory, PREFIX + "*" + SUFFIX)) {
            for (Path file : files) {
                try {
                    killed += removeLeftover(file);
                } catch (IOException | RuntimeException e) {
                    LOG.warn("cannot handle the guest run-state record {}: {}", file, e.toString());
                }
            }
        } catch (IOException e) {
            LOG.warn("cannot read the guest run-state directory {}: {}", directory, e.toString());
        }
        return killed;
    }

    private int removeLeftover(Path file) throws IOException {
        Properties p = new Properties();
        try (Reader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            p.load(in);
        }
        long ownerPid = Long.parseLong(p.getProperty("monitorPid"));
        long ownerStart = Long.parseLong(p.getProperty("monitorStartMillis"));
        if (ownerPid == monitorPid) {
            return 0;
        }
        if (matches(ownerPid, ownerStart)) {
            return 0; // its monitor is still running: its guests are its business
        }
        long pid = Long.parseLong(p.getProperty("pid"));
        long start = Long.parseLong(p.getProperty("startMillis"));
        String command = p.getProperty("command", "");
        int killed = 0;
        Optional<ProcessHandle> guest = ProcessHandle.of(pid);
        if (start > 0 && matches(pid, start) && guest.isPresent()) {
            ProcessHandle process = guest.get();
            // Its process group and descendants first (a tender's helpers, what the guest left in the
            // background), so none is re-parented and survives.
            ProcessGroup.killGroupLedBy(pid);
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
            killed = 1;
            LOG.warn("killed guest '{}' (pid {}, {}) left running by monitor pid {}, which is gone",
                    p.getProperty("unikernel"), pid, command, ownerPid);
        }
        Files.deleteIfExists(file);
        return killed;
    }

    /** True when {@code pid} is alive and started at {@code startMillis} (not checked when unknown). */
    private static boolean matches(long pid, long startMillis) {
        Optional<ProcessHandle> process = ProcessHandle.of(pid).filter(ProcessHandle::isAlive);
        if (process.isEmpty()) {
            return false;
        }
        long actualStart = startMillis(process.get());
        return startMillis <= 0 || actualStart <= 0 || actualStart == startMillis;
    }
}
