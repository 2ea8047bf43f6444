package io.umonitor.kit.process;

import io.umonitor.api.CollectorEndpoint;
import io.umonitor.api.LaunchException;
import io.umonitor.api.LogLevel;
import io.umonitor.api.spi.GuestOutput;
import io.umonitor.api.spi.GuestParameters;
import io.umonitor.api.spi.LaunchRequest;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A host process (a Solo5 tender, QEMU, a Linux program) started and watched for a backend.
 *
 * <p>Its stdout and stderr are read continuously, each on a thread of its own, so the child never blocks
 * on a full pipe. Output is cut into lines of at most {@link Builder#maxLineBytes} bytes (a longer line
 * arrives in pieces, the first as a line and the rest as {@link OutputConsumer#continuation}s; nothing is
 * buffered without bound), decoded as UTF-8 with U+FFFD for malformed
 * bytes, and handed through a bounded queue to the {@link OutputConsumer} on one delivery thread. When
 * the consumer falls so far behind that the queue is full, lines are dropped and counted
 * ({@link OutputConsumer#linesDropped}) rather than stalling the child. A guest reading stdin sees end of
 * file.
 *
 * <p>{@link #exit()} completes after the process has ended <em>and</em> both streams have been read to
 * the end and delivered. A process that closes its stdout early but keeps running is still waited for.
 * If a descendant inherited the pipes and keeps them open after the process ended, reading waits at most
 * {@link Builder#drainTimeout} before the exit is reported anyway.
 *
 * <p>Its own session: the process leads a new session and process group. A terminal's Ctrl-C (SIGINT to
 * the terminal's foreground group) then reaches the JVM, which stops its guests gracefully, never the guests
 * directly; and everything the process starts stays in its group, even after re-parenting, so it can be found
 * and ended. Java cannot call setsid(2) itself: the process is started by glibc's posix_spawn with
 * {@code POSIX_SPAWN_SETSID} through JNA (one exec, where the JDK takes three with the {@code setsid}
 * program), or, where that cannot be called (no JNA native library, a libc without
 * {@code posix_spawn_file_actions_addclosefrom_np}, a file that is neither ELF nor {@code #!}), through the
 * JDK and util-linux's {@code setsid}, which calls setsid(2) and then executes the program in place (same
 * pid). Where {@code setsid} is missing too (it is in util-linux, on every Debian) the process shares the
 * JVM's group and a warning says so ({@link Builder#ownSession} turns this off). Either way stdin reads end
 * of file and the process inherits no descriptor but its stdin, stdout and stderr.
 *
 * <p>Stopping: {@link #stop(Duration)} sends SIGTERM to the process only (forwarding it to its own
 * children is the process's job, as for any service manager's main process), then, if it is still alive
 * after the grace period, escalates to {@link #kill()}. {@link #kill()} sends SIGKILL to the process,
 * <em>to every member of its process group and every descendant it has at that moment</em>, so no orphan
 * keeps running or holds the console pipes. When the process ends by itself, what remains of its
 * process group is killed too: nothing a guest started outlives it. Both are idempotent and return at
 * once. The grace period is timed by the process's own supervising thread (no shared timer), which
 * ends with the process. Thread-safe.
 *
 * @since 0.1
 */
public final class SupervisedProcess {

    private static final Logger LOG = LoggerFactory.getLogger(SupervisedProcess.class);

    private static final long NO_DEADLINE = Long.MAX_VALUE;

    /**
     * Every console line of 87,385 characters, which carries the longest frame of the log protocol, fits
     * whole even if each character took 4 bytes of UTF-8 (PROTOCOL.md section 5.3).
     */
    public static final int DEFAULT_MAX_LINE_BYTES = 384 * 1024;

    /**
     * Receives a process's output on the process's delivery thread, in order per stream. Must not block
     * for long: while it runs, lines queue up, and beyond the queue's capacity they are dropped.
     */
    public interface OutputConsumer {
        /** One line without its terminator. */
        void line(GuestOutput.Stream stream, String line);

        /** The next piece of the last line of {@code stream}, which was longer than the line limit. */
        default void continuation(GuestOutput.Stream stream, String piece) {
            line(stream, piece);
        }

        /** {@code count} lines of {@code stream} were dropped because the queue was full. */
        default void linesDropped(GuestOutput.Stream stream, long count) {
        }

        /**
         * Hands the process's output to a launch's {@link GuestOutput} as it is: lines as console lines,
         * pieces of long lines as continuations, and drops as a WARN note saying how many lines of which
         * stream were lost. For a backend whose console needs no reading of its own (no boot markers to
         * watch, no stream to rename).
         */
        static OutputConsumer to(GuestOutput output) {
            Objects.requireNonNull(output, "output");
            return new OutputConsumer() {
                @Override
                public void line(GuestOutput.Stream stream, String line) {
                    output.consoleLine(stream, line);
                }

                @Override
                public void continuation(GuestOutput.Stream stream, String piece) {
                    output.consoleContinuation(stream, piece);
                }

                @Override
                public void linesDropped(GuestOutput.Stream stream, long count) {
                    output.note(LogLevel.WARN, count + " " + stream.name().toLowerCase(Locale.ROOT)
                            + " line(s) dropped: the console was read faster than the monitor could take it");
                }
            };
        }
    }

    private final HostProcess process;
    private final String label;
    private final LineQueue queue;
    private final CompletableFuture<ProcessExit> exit = new CompletableFuture<>();
    private final AtomicBoolean stopSent = new AtomicBoolean();
    private final AtomicBoolean killSent = new AtomicBoolean();
    private volatile boolean signalledWhileAlive;
    private final boolean ownSession;
    /**
     * Guards the kill deadline, whether the supervising thread still waits for the process's end, and which
     * thread that is.
     */
    private final Object escalation = new Object();
    private long killDeadlineNanos = NO_DEADLINE;
    private boolean awaitingEnd;
    private Thread supervisor;

    private SupervisedProcess(HostProcess process, String label, LineQueue queue, boolean ownSession) {
        this.process = process;
        this.label = label;
        this.queue = queue;
        this.ownSession = ownSession;
    }

    /** Starts describing a process that runs {@code executable}. */
    public static Builder builder(Path executable) {
        return new Builder(executable);
    }

    /** Host process id. */
    public long pid() {
        return process.pid();
    }

    /** Whether the process itself is still running (its output may still be in delivery). */
    public boolean isAlive() {
        return process.isAlive();
    }

    /**
     * Whether the process leads a session and process group of its own (see the class documentation);
     * false only where {@code setsid} is missing or {@link Builder#ownSession} turned it off.
     */
    public boolean ownSession() {
        return ownSession;
    }

    /**
     * The {@link ProcessHandle} of the process, e.g. to look at its descendants; null once the process has
     * ended and been reaped, where it was started by posix_spawn.
     */
    public ProcessHandle toHandle() {
        return process.toHandle();
    }

    /**
     * Completes once the process has ended and its output has been read and delivered. Never completes
     * exceptionally.
     */
    public CompletableFuture<ProcessExit> exit() {
        return exit;
    }

    /** Lines dropped so far because the consumer could not keep up. */
    public long droppedLines() {
        return queue.droppedTotal();
    }

    /**
     * Sends SIGTERM now and SIGKILL (see {@link #kill()}) if the process is still alive after
     * {@code grace}. Returns at once. Only the first call has an effect; call {@link #kill()} to hurry.
     */
    public void stop(Duration grace) {
        Objects.requireNonNull(grace, "grace");
        if (!stopSent.compareAndSet(false, true) || !process.isAlive()) {
            return;
        }
        signalledWhileAlive = true;
        if (grace.isZero() || grace.isNegative()) {
            kill();
            return;
        }
        LOG.debug("{}: SIGTERM, SIGKILL in {}", label, grace);
        process.terminate();
        synchronized (escalation) {
            killDeadlineNanos = System.nanoTime() + grace.toNanos();
            // The supervising thread waits in Process.waitFor: wake it to wait for the deadline instead.
            Thread waiting = supervisor;
            if (awaitingEnd && waiting != null) {
                waiting.interrupt();
            }
        }
    }

    /**
     * Sends SIGKILL to the process, the members of its process group and all its current descendants.
     * Returns at once. Idempotent.
     */
    public void kill() {
        if (!killSent.compareAndSet(false, true) || !process.isAlive()) {
            return;
        }
        signalledWhileAlive = true;
        // Snapshot first: once the parent is dead its children are re-parented and no longer found.
        List<ProcessHandle> descendants = process.descendants();
        process.killForcibly();
        descendants.forEach(ProcessHandle::destroyForcibly);
        int groupMembers = ownSession ? ProcessGroup.killAll(process.pid()) : 0;
        LOG.debug("{}: SIGKILL to process, {} descendant(s) and {} group member(s)", label, descendants.size(),
                groupMembers);
    }

    @Override
    public String toString() {
        return label + "[pid " + process.pid() + "]";
    }

    private void superviseUntilEnd(CompletableFuture<Void> readersDone, Duration drainTimeout) {
        awaitEndOrKillDeadline();
        int exitValue;
        while (true) {
            try {
                exitValue = process.waitFor();
                break;
            } catch (InterruptedException e) {
                // Only our own daemon thread; keep waiting, the process is what decides.
                Thread.interrupted();
            }
        }
        if (ownSession) {
            // What the guest started and left behind (a daemon, a background job) ends with it.
            if (ProcessGroup.killAllAndWait(process.pid(), Duration.ofSeconds(2))) {
                LOG.debug("{}: killed what it left running in its process group", label);
            }
        }
        try {
            readersDone.get(drainTimeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            LOG.warn("{} ended with exit value {} but its output is still open {} later (a descendant holds "
                    + "the pipe); reporting the exit without waiting for the rest", label, exitValue, drainTimeout);
            queue.abandonReaders();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException e) {
            LOG.warn("{}: reading output failed", label, e.getCause());
        }
        queue.delivered().join();
        exit.complete(ProcessExit.fromExitValue(exitValue, signalledWhileAlive, queue.droppedTotal()));
    }

    /**
     * Waits until the process ends, killing it if a stop's grace period runs out first. Waits in
     * {@link Process#waitFor} itself (not through {@code onExit()}, whose completion needs a thread of
     * the common pool, which a busy JVM on two cores may not have free); {@link #stop} interrupts the wait
     * to set the deadline.
     */
    private void awaitEndOrKillDeadline() {
        synchronized (escalation) {
            awaitingEnd = true;
            supervisor = Thread.currentThread();
        }
        try {
            while (process.isAlive()) {
                long deadline;
                synchronized (escalation) {
                    deadline = killDeadlineNanos;
                }
                try {
                    if (deadline == NO_DEADLINE) {
                        process.waitFor();
                    } else if (!process.waitFor(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)) {
                        LOG.debug("{}: still alive after the stop's grace period, killing", label);
                        kill();
                        process.waitFor();
                    }
                } catch (InterruptedException e) {
                    // stop() set a deadline (only our own daemon thread is interrupted): look again.
                }
            }
        } finally {
            synchronized (escalation) {
                awaitingEnd = false;
                // A pooled thread: once this wait is over, stop() must never interrupt what it runs next.
                supervisor = null;
            }
            // An interrupt stop() sent just before the process ended must not cut the output's drain short.
            Thread.interrupted();
        }
    }

    /** Describes and starts a {@link SupervisedProcess}; not thread-safe. */
    public static final class Builder {
        private final Path executable;
        private final List<String> arguments = new ArrayList<>();
        private final Map<String, String> environment = new LinkedHashMap<>();
        private boolean inheritEnvironment = true;
        private Path workingDirectory;
        private OutputConsumer output = (stream, line) -> { };
        private int maxLineBytes = DEFAULT_MAX_LINE_BYTES;
        private long queueCapacityChars = 1024L * 1024;
        private Duration drainTimeout = Duration.ofSeconds(2);
        private String label;
        private boolean ownSession = true;
        private boolean spawnDirectly = true;

        private Builder(Path executable) {
            this.executable = Objects.requireNonNull(executable, "executable");
        }

        /** Adds one argument, passed as is (no quoting, no splitting, no variable expansion). */
        public Builder argument(String value) {
            arguments.add(Objects.requireNonNull(value, "argument"));
            return this;
        }

        public Builder arguments(List<String> values) {
            values.forEach(this::argument);
            return this;
        }

        /** Sets an environment variable for the process, on top of the inherited environment. */
        public Builder environment(String key, String value) {
            environment.put(Objects.requireNonNull(key, "key"), Objects.requireNonNull(value, "value"));
            return this;
        }

        public Builder environment(Map<String, String> values) {
            values.forEach(this::environment);
            return this;
        }

        /**
         * Passes a guest that reads its environment what it needs to send its logs, by the names of
         * {@link GuestParameters}: {@code UMONITOR_NAME}, {@code UMONITOR_TOKEN}, {@code UMONITOR_TCP} and
         * {@code UMONITOR_UDP} ({@code host:port} of the collectors reachable without a network device),
         * then the request's {@link LaunchRequest#guestParameters() guest parameters}. The environment of a
         * process is readable only by its own user, unlike its command line. Call
         * {@link #environment(Map)} afterwards for variables that may override these (a spec's own).
         */
        public Builder guestEnvironment(LaunchRequest request) {
            environment(GuestParameters.NAME, request.spec().name());
            environment(GuestParameters.TOKEN, request.token());
            request.collector(CollectorEndpoint.Transport.TCP, null)
                    .ifPresent(c -> environment(GuestParameters.TCP, c.hostAndPort()));
            request.collector(CollectorEndpoint.Transport.UDP, null)
                    .ifPresent(c -> environment(GuestParameters.UDP, c.hostAndPort()));
            return environment(request.guestParameters());
        }

        /** Whether the process starts with this JVM's environment (default true). */
        public Builder inheritEnvironment(boolean value) {
            this.inheritEnvironment = value;
            return this;
        }

        /** The process's working directory; default: this JVM's. */
        public Builder workingDirectory(Path value) {
            this.workingDirectory = value;
            return this;
        }

        /** Where output lines go; default: discarded. Must not block (see {@link OutputConsumer}). */
        public Builder output(OutputConsumer value) {
            this.output = Objects.requireNonNull(value, "output");
            return this;
        }

        /** The longest line in bytes; longer lines arrive in pieces (default 16 KiB). */
        public Builder maxLineBytes(int value) {
            if (value < LineSplitter.MIN_LINE_BYTES) {
                throw new IllegalArgumentException("maxLineBytes " + value + " is below "
                        + LineSplitter.MIN_LINE_BYTES + ": allow at least one UTF-8 character");
            }
            this.maxLineBytes = value;
            return this;
        }

        /**
         * How many characters of output may wait for a slow consumer before lines are dropped (default
         * 1 Mi characters, both streams together: about 2 MiB of memory per process at most).
         */
        public Builder queueCapacityChars(long value) {
            if (value < 1) {
                throw new IllegalArgumentException("queueCapacityChars " + value + " must be positive");
            }
            this.queueCapacityChars = value;
            return this;
        }

        /** How long to wait for the output's end after the process ended (default 2 s). */
        public Builder drainTimeout(Duration value) {
            this.drainTimeout = Objects.requireNonNull(value, "drainTimeout");
            return this;
        }

        /**
         * Whether the process runs in a session and process group of its own (default true; see the class
         * documentation). Off, it shares the JVM's group: a terminal's Ctrl-C reaches it directly.
         */
        public Builder ownSession(boolean value) {
            this.ownSession = value;
            return this;
        }

        /**
         * Whether a process of its own session is started by posix_spawn where it can be (default true), or
         * always through the JDK and the {@code setsid} program, as where JNA or glibc's posix_spawn
         * extensions are missing: for tests of that path.
         */
        Builder spawnDirectly(boolean value) {
            this.spawnDirectly = value;
            return this;
        }

        /** A short name for thread names and diagnostics (default: the executable's file name). */
        public Builder label(String value) {
            this.label = value;
            return this;
        }

        /**
         * Starts the process and its reader threads.
         *
         * @throws LaunchException when the process cannot be started (missing executable, no permission,
         *     missing working directory), naming the executable and the cause
         */
        public SupervisedProcess start() {
            String name = label != null ? label
                    : executable.getFileName() != null ? executable.getFileName().toString() : executable.toString();
            Map<String, String> env = new LinkedHashMap<>();
            if (inheritEnvironment) {
                env.putAll(System.getenv());
            }
            env.putAll(environment);
            HostProcessStarter.Started started = new HostProcessStarter(executable, arguments, env,
                    workingDirectory, name).start(ownSession, spawnDirectly);
            HostProcess process = started.process();
            boolean ownSessionGiven = started.ownSession();
            LineQueue queue = new LineQueue(queueCapacityChars, output, name, 2);
            SupervisedProcess supervised = new SupervisedProcess(process, name, queue, ownSessionGiven);
            String threadPrefix = "umonitor-" + name + "-" + process.pid();
            CompletableFuture<Void> stdoutDone = queue.startReader(process.stdout(),
                    GuestOutput.Stream.STDOUT, maxLineBytes, threadPrefix + "-stdout");
            CompletableFuture<Void> stderrDone = queue.startReader(process.stderr(),
                    GuestOutput.Stream.STDERR, maxLineBytes, threadPrefix + "-stderr");
            queue.startDelivery(threadPrefix + "-output");
            Duration drain = drainTimeout;
            ProcessThreads.start(threadPrefix + "-wait",
                    () -> supervised.superviseUntilEnd(CompletableFuture.allOf(stdoutDone, stderrDone), drain));
            return supervised;
        }

    }
}
