package io.umonitor.kit.process;

import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * kill(2) with a negative pid, which reaches a whole process group and which Java's {@link ProcessHandle}
 * cannot send (it only signals single live processes). Through JNA, loaded on first use; where it cannot
 * load (no native library for this platform, a temporary directory that forbids executing) every answer
 * is {@link Answer#UNKNOWN} and callers read /proc instead.
 */
final class GroupSignal {

    private static final Logger LOG = LoggerFactory.getLogger(GroupSignal.class);
    private static final int ESRCH = 3;
    private static final int SIGKILL = 9;

    /** What kill(-pgid, 0) says about a group. */
    enum Answer {
        /** ESRCH: no process, not even a zombie, has this process group. */
        EMPTY,
        /** Some process has it (zombies included), or one we may not signal (EPERM). */
        NOT_EMPTY,
        /** kill(2) could not be called. */
        UNKNOWN
    }

    private GroupSignal() {
    }

    /** Whether any process still has process group {@code pgid}, asked of the kernel in one system call. */
    static Answer probe(long pgid) {
        if (!Libc.LOADED || pgid <= 1 || pgid > Integer.MAX_VALUE) {
            return Answer.UNKNOWN;
        }
        try {
            if (Libc.kill((int) -pgid, 0) == 0) {
                return Answer.NOT_EMPTY;
            }
            return Native.getLastError() == ESRCH ? Answer.EMPTY : Answer.NOT_EMPTY;
        } catch (RuntimeException | LinkageError e) {
            return Answer.UNKNOWN;
        }
    }

    /**
     * SIGKILL to every member of group {@code pgid} in one system call: the kernel reaches each process that
     * has the group at that instant, so none can slip between a lookup and the signal. False when kill(2)
     * could not be called or refused (the caller then signals the members it finds in /proc).
     */
    static boolean killGroup(long pgid) {
        if (!Libc.LOADED || pgid <= 1 || pgid > Integer.MAX_VALUE) {
            return false;
        }
        try {
            return Libc.kill((int) -pgid, SIGKILL) == 0 || Native.getLastError() == ESRCH;
        } catch (RuntimeException | LinkageError e) {
            return false;
        }
    }

    /**
     * libc's kill, bound directly (a static native method: about 1 us a call, where an interface mapping
     * that throws LastErrorException cost 16-27 us). Loaded when first needed, once.
     */
    private static final class Libc {
        static final boolean LOADED = load();

        static native int kill(int pid, int signal);

        private static boolean load() {
            try {
                Native.register(Libc.class, NativeLibrary.getInstance("c"));
                return true;
            } catch (RuntimeException | LinkageError e) {
                LOG.debug("kill(2) through JNA is not available ({}): process groups are looked up in /proc", e.toString());
                return false;
            }
        }
    }
}
