package io.umonitor.kit.process;

import com.sun.jna.LastErrorException;
import com.sun.jna.Library;
import com.sun.jna.Native;
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

    /** What kill(-pgid, 0) says about a group. */
    enum Answer {
        /** ESRCH: no process, not even a zombie, has this process group. */
        EMPTY,
        /** Some process has it (zombies included), or one we may not signal (EPERM). */
        NOT_EMPTY,
        /** kill(2) could not be called. */
        UNKNOWN
    }

    private interface CLibrary extends Library {
        int kill(int pid, int signal) throws LastErrorException;
    }

    private GroupSignal() {
    }

    /** Whether any process still has process group {@code pgid}, asked of the kernel in one system call. */
    static Answer probe(long pgid) {
        CLibrary libc = Holder.LIBC;
        if (libc == null || pgid <= 1 || pgid > Integer.MAX_VALUE) {
            return Answer.UNKNOWN;
        }
        try {
            libc.kill((int) -pgid, 0);
            return Answer.NOT_EMPTY;
        } catch (LastErrorException e) {
            return e.getErrorCode() == ESRCH ? Answer.EMPTY : Answer.NOT_EMPTY;
        } catch (RuntimeException | LinkageError e) {
            return Answer.UNKNOWN;
        }
    }

    /** Loaded when first needed, once. */
    private static final class Holder {
        static final CLibrary LIBC = load();

        private static CLibrary load() {
            try {
                return Native.load("c", CLibrary.class);
            } catch (RuntimeException | LinkageError e) {
                LOG.debug("kill(2) through JNA is not available ({}): process groups are looked up in /proc", e.toString());
                return null;
            }
        }
    }
}
