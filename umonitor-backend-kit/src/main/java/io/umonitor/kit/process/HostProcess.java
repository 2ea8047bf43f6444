package io.umonitor.kit.process;

import java.io.InputStream;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A started host process, as {@link SupervisedProcess} needs it: one the JDK started ({@link Jdk}) or one that
 * posix_spawn started in a session of its own ({@link SpawnedChild}).
 */
interface HostProcess {
    long pid();

    boolean isAlive();

    int waitFor() throws InterruptedException;

    boolean waitFor(long timeout, TimeUnit unit) throws InterruptedException;

    /** SIGTERM to the process, unless it has ended. */
    void terminate();

    /** SIGKILL to the process, unless it has ended. */
    void killForcibly();

    /** Its handle; null once it has ended and been reaped (only for a {@link SpawnedChild}). */
    ProcessHandle toHandle();

    List<ProcessHandle> descendants();

    InputStream stdout();

    InputStream stderr();

    /** A child the JDK started. */
    record Jdk(Process process) implements HostProcess {
        @Override
        public long pid() {
            return process.pid();
        }

        @Override
        public boolean isAlive() {
            return process.isAlive();
        }

        @Override
        public int waitFor() throws InterruptedException {
            return process.waitFor();
        }

        @Override
        public boolean waitFor(long timeout, TimeUnit unit) throws InterruptedException {
            return process.waitFor(timeout, unit);
        }

        @Override
        public void terminate() {
            // Through the handle: Process.destroy() also closes our ends of stdout and stderr, which loses
            // what the process prints while it ends (solo5-hvt's "Exiting on signal 15") and can leave a
            // tender blocked writing to a closed pipe.
            process.toHandle().destroy();
        }

        @Override
        public void killForcibly() {
            process.toHandle().destroyForcibly();
        }

        @Override
        public ProcessHandle toHandle() {
            return process.toHandle();
        }

        @Override
        public List<ProcessHandle> descendants() {
            return process.descendants().toList();
        }

        @Override
        public InputStream stdout() {
            return process.getInputStream();
        }

        @Override
        public InputStream stderr() {
            return process.getErrorStream();
        }
    }
}
