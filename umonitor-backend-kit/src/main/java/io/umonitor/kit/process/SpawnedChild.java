package io.umonitor.kit.process;

import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Pointer;
import com.sun.jna.StringArray;
import java.io.BufferedInputStream;
import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A process started by glibc's posix_spawn(3) with {@code POSIX_SPAWN_SETSID} (glibc 2.26 and later), through
 * JNA: the program leads a new session and process group from its first instruction, with one exec. The JDK's
 * {@link ProcessBuilder} cannot call setsid(2), so the JDK path goes through util-linux's {@code setsid}
 * program, and the JDK itself starts every child through its {@code jspawnhelper}: three execs per guest
 * instead of one, about 1 ms of a launch on a loaded two-core host (see bench/README.md, issue 17).
 *
 * <p>What the JDK's child set-up does is done here too: stdin is {@code /dev/null} (the guest reads end of
 * file), stdout and stderr are pipes, every other descriptor is closed in the child
 * ({@code posix_spawn_file_actions_addclosefrom_np}, glibc 2.34), the signal mask is empty. A thread of
 * {@link ProcessThreads} waits for the end: it first waits without reaping ({@code WNOWAIT}), then reaps
 * under the same lock that signals take, so a signal never reaches a later process that got the pid.
 *
 * <p>What is lost against {@link Process}: nothing this kit uses; there is no {@code Process} object
 * to hand out ({@code onExit()}, {@code info()} of the JDK's own bookkeeping), and {@link #toHandle()} is
 * empty once the process has been reaped.
 */
final class SpawnedChild implements HostProcess {

    private static final Logger LOG = LoggerFactory.getLogger(SpawnedChild.class);

    private static final int O_RDONLY = 0;
    private static final int O_CLOEXEC = 0x80000;
    private static final short POSIX_SPAWN_SETSIGMASK = 0x08;
    private static final short POSIX_SPAWN_SETSID = 0x80;
    private static final int P_PID = 1;
    private static final int WEXITED = 4;
    private static final int WNOWAIT = 0x01000000;
    private static final int EINTR = 4;
    static final int ENOEXEC = 8;
    private static final int SIGTERM = 15;
    private static final int SIGKILL = 9;
    /** glibc's posix_spawn_file_actions_t is 80 bytes, posix_spawnattr_t 336, sigset_t 128, siginfo_t 128. */
    private static final int OPAQUE_BYTES = 1024;

    private final int pid;
    private final InputStream stdout;
    private final InputStream stderr;
    private final CompletableFuture<Integer> exitValue = new CompletableFuture<>();
    /** Guards {@link #reaped}: signals are sent only while the pid is still ours (a zombie at worst). */
    private final Object reaping = new Object();
    private boolean reaped;

    private SpawnedChild(int pid, InputStream stdout, InputStream stderr) {
        this.pid = pid;
        this.stdout = stdout;
        this.stderr = stderr;
    }

    /** Whether posix_spawn with a new session can be used here (Linux, glibc, JNA, /proc). */
    static boolean available() {
        return Libc.LOADED;
    }

    /** Thrown when posix_spawn refused: {@link #errno()} says why ({@link #ENOEXEC}: no #! and not ELF). */
    static final class SpawnException extends IOException {
        private final int errno;

        SpawnException(String message, int errno) {
            super(message);
            this.errno = errno;
        }

        int errno() {
            return errno;
        }
    }

    /**
     * Starts {@code program} (an absolute path) with {@code arguments} and exactly the environment {@code env},
     * in {@code directory} (null: this JVM's), as the leader of a new session.
     */
    static SpawnedChild start(Path program, List<String> arguments, Map<String, String> env, Path directory)
            throws IOException {
        String path = program.toString();
        String[] argv = new String[arguments.size() + 1];
        argv[0] = path;
        for (int i = 0; i < arguments.size(); i++) {
            argv[i + 1] = arguments.get(i);
        }
        String[] envp = new String[env.size()];
        int e = 0;
        for (Map.Entry<String, String> entry : env.entrySet()) {
            envp[e++] = entry.getKey() + "=" + entry.getValue();
        }
        int[] out = {-1, -1};
        int[] err = {-1, -1};
        Memory actions = new Memory(OPAQUE_BYTES);
        Memory attributes = new Memory(OPAQUE_BYTES);
        Memory emptyMask = new Memory(OPAQUE_BYTES);
        boolean actionsReady = false;
        boolean attributesReady = false;
        try {
            check(Libc.pipe2(out, O_CLOEXEC) == 0 ? 0 : Native.getLastError(), "pipe2");
            check(Libc.pipe2(err, O_CLOEXEC) == 0 ? 0 : Native.getLastError(), "pipe2");
            check(Libc.posix_spawn_file_actions_init(actions), "posix_spawn_file_actions_init");
            actionsReady = true;
            check(Libc.posix_spawn_file_actions_addopen(actions, 0, "/dev/null", O_RDONLY, 0), "addopen");
            check(Libc.posix_spawn_file_actions_adddup2(actions, out[1], 1), "adddup2");
            check(Libc.posix_spawn_file_actions_adddup2(actions, err[1], 2), "adddup2");
            // This JVM's sockets and files (collectors, other guests' pipes) must not leak into the guest.
            check(Libc.posix_spawn_file_actions_addclosefrom_np(actions, 3), "addclosefrom_np");
            if (directory != null) {
                check(Libc.posix_spawn_file_actions_addchdir_np(actions, directory.toString()), "addchdir_np");
            }
            check(Libc.posix_spawnattr_init(attributes), "posix_spawnattr_init");
            attributesReady = true;
            check(Libc.sigemptyset(emptyMask) == 0 ? 0 : Native.getLastError(), "sigemptyset");
            check(Libc.posix_spawnattr_setsigmask(attributes, emptyMask), "setsigmask");
            check(Libc.posix_spawnattr_setflags(attributes, (short) (POSIX_SPAWN_SETSID | POSIX_SPAWN_SETSIGMASK)),
                    "setflags");
            int[] pid = {0};
            int failed = Libc.posix_spawn(pid, path, actions, attributes, new StringArray(argv), new StringArray(envp));
            if (failed != 0) {
                throw new SpawnException(Libc.strerror(failed), failed);
            }
            Libc.close(out[1]);
            Libc.close(err[1]);
            out[1] = -1;
            err[1] = -1;
            SpawnedChild child = new SpawnedChild(pid[0], reopen(out[0]), reopen(err[0]));
            out[0] = -1;
            err[0] = -1;
            ProcessThreads.start("umonitor-reaper-" + pid[0], child::reap);
            return child;
        } finally {
            if (actionsReady) {
                Libc.posix_spawn_file_actions_destroy(actions);
            }
            if (attributesReady) {
                Libc.posix_spawnattr_destroy(attributes);
            }
            for (int fd : new int[] {out[0], out[1], err[0], err[1]}) {
                if (fd >= 0) {
                    Libc.close(fd);
                }
            }
        }
    }

    /** A stream over pipe descriptor {@code fd} (Java cannot wrap a raw descriptor), which is then closed. */
    private static InputStream reopen(int fd) throws IOException {
        try {
            // Buffered as the JDK's process streams are; FileInputStream alone seeks in readAllBytes, which a
            // pipe refuses ("Illegal seek").
            return new BufferedInputStream(new FileInputStream("/proc/self/fd/" + fd));
        } finally {
            Libc.close(fd);
        }
    }

    private static void check(int errno, String call) throws IOException {
        if (errno != 0) {
            throw new SpawnException(call + ": " + Libc.strerror(errno), errno);
        }
    }

    /** On its own thread: waits for the end, then reaps under {@link #reaping}. */
    private void reap() {
        Memory info = new Memory(OPAQUE_BYTES);
        int[] status = {0};
        try {
            while (Libc.waitid(P_PID, pid, info, WEXITED | WNOWAIT) != 0) {
                if (Native.getLastError() != EINTR) {
                    break;   // ECHILD: someone else reaped it; waitpid below says so too
                }
            }
            int result;
            synchronized (reaping) {
                do {
                    result = Libc.waitpid(pid, status, 0);
                } while (result < 0 && Native.getLastError() == EINTR);
                reaped = true;
            }
            if (result != pid) {
                LOG.warn("pid {}: its exit status was taken by someone else (errno {}); reporting exit value 255",
                        pid, Native.getLastError());
                exitValue.complete(255);
                return;
            }
            int s = status[0];
            int signal = s & 0x7f;
            // As the JDK reports it: the exit code, or 0x80 + the signal that ended the process.
            exitValue.complete(signal == 0 ? (s >> 8) & 0xff : 0x80 + signal);
        } catch (RuntimeException | Error e) {
            exitValue.complete(255);
            throw e;
        }
    }

    @Override
    public long pid() {
        return pid;
    }

    @Override
    public boolean isAlive() {
        return !exitValue.isDone();
    }

    @Override
    public int waitFor() throws InterruptedException {
        try {
            return exitValue.get();
        } catch (ExecutionException e) {
            throw new IllegalStateException("never completes exceptionally", e);
        }
    }

    @Override
    public boolean waitFor(long timeout, TimeUnit unit) throws InterruptedException {
        try {
            exitValue.get(timeout, unit);
            return true;
        } catch (TimeoutException e) {
            return false;
        } catch (ExecutionException e) {
            throw new IllegalStateException("never completes exceptionally", e);
        }
    }

    @Override
    public void terminate() {
        signal(SIGTERM);
    }

    @Override
    public void killForcibly() {
        signal(SIGKILL);
    }

    private void signal(int signal) {
        synchronized (reaping) {
            if (!reaped) {
                Libc.kill(pid, signal);
            }
        }
    }

    /** Null once reaped: the pid may then name another process. */
    @Override
    public ProcessHandle toHandle() {
        synchronized (reaping) {
            return reaped ? null : ProcessHandle.of(pid).orElse(null);
        }
    }

    @Override
    public List<ProcessHandle> descendants() {
        synchronized (reaping) {
            return reaped ? List.of() : ProcessHandle.of(pid).map(h -> h.descendants().toList()).orElse(List.of());
        }
    }

    @Override
    public InputStream stdout() {
        return stdout;
    }

    @Override
    public InputStream stderr() {
        return stderr;
    }

    /** libc, bound directly (static natives: about 1 us a call). Loaded once, on first use. */
    private static final class Libc {
        static final boolean LOADED = load();

        static native int pipe2(int[] fds, int flags);

        static native int close(int fd);

        static native int posix_spawn_file_actions_init(Pointer actions);

        static native int posix_spawn_file_actions_destroy(Pointer actions);

        static native int posix_spawn_file_actions_addopen(Pointer actions, int fd, String path, int flags, int mode);

        static native int posix_spawn_file_actions_adddup2(Pointer actions, int fd, int newFd);

        static native int posix_spawn_file_actions_addclosefrom_np(Pointer actions, int from);

        static native int posix_spawn_file_actions_addchdir_np(Pointer actions, String path);

        static native int posix_spawnattr_init(Pointer attributes);

        static native int posix_spawnattr_destroy(Pointer attributes);

        static native int posix_spawnattr_setflags(Pointer attributes, short flags);

        static native int posix_spawnattr_setsigmask(Pointer attributes, Pointer mask);

        static native int sigemptyset(Pointer mask);

        static native int posix_spawn(int[] pid, String path, Pointer actions, Pointer attributes, Pointer argv,
                Pointer envp);

        static native int waitid(int idType, int id, Pointer info, int options);

        static native int waitpid(int pid, int[] status, int options);

        static native int kill(int pid, int signal);

        static native String strerror(int errno);

        private static boolean load() {
            if (!System.getProperty("os.name", "").equals("Linux") || !Files.isDirectory(Path.of("/proc/self/fd"))) {
                return false;
            }
            try {
                // Every function is looked up here, so a libc without one (musl, glibc before 2.34) is found out
                // now and the caller uses the JDK and the setsid program instead.
                Native.register(Libc.class, NativeLibrary.getInstance("c"));
                return true;
            } catch (RuntimeException | LinkageError e) {
                LOG.debug("posix_spawn through JNA is not available ({}): guests start through the setsid program",
                        e.toString());
                return false;
            }
        }
    }
}
