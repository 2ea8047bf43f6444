package io.umonitor.core.process;

import io.umonitor.api.LaunchException;
import io.umonitor.api.spi.GuestOutput;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.commons.exec.CommandLine;
import org.apache.commons.exec.DefaultExecutor;
import org.apache.commons.exec.environment.EnvironmentUtils;
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
 * ({@link OutputConsumer#linesDropped}) rather than stalling the child. Stdin is closed at once: a guest
 * reading it sees end of file.
 *
 * <p>{@link #exit()} completes after the process has ended <em>and</em> both streams have been read to
 * the end and delivered. A process that closes its stdout early but keeps running is still waited for.
 * If a descendant inherited the pipes and keeps them open after the process ended, reading waits at most
 * {@link Builder#drainTimeout} before the exit is reported anyway.
 *
 * <p>Stopping: {@link #stop(Duration)} sends SIGTERM to the process only (forwarding it to its own
 * children is the process's job, as for any service manager's main process), then, if it is still alive
 * after the grace period, escalates to {@link #kill()}. {@link #kill()} sends SIGKILL to the process
 * <em>and to every descendant it has at that moment</em>, so no orphan keeps running or holds the
 * console pipes. Both are idempotent and return at once. Thread-safe.
 *
 * @since 0.1
 */
public final class SupervisedProcess {

    private static final Logger LOG = LoggerFactory.getLogger(SupervisedProcess.class);

    /** Escalates stops for every supervised process; the tasks are tiny. */
    private static final ScheduledExecutorService ESCALATION = escalationScheduler();

    private static final int READ_BUFFER_BYTES = 64 * 1024;

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
    }

    private final Process process;
    private final String label;
    private final LineQueue queue;
    private final CompletableFuture<ProcessExit> exit = new CompletableFuture<>();
    private final AtomicBoolean stopSent = new AtomicBoolean();
    private final AtomicBoolean killSent = new AtomicBoolean();
    private volatile boolean signalledWhileAlive;
    private volatile ScheduledFuture<?> escalation;

    private SupervisedProcess(Process process, String label, LineQueue queue) {
        this.process = process;
        this.label = label;
        this.queue = queue;
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

    /** The {@link ProcessHandle} of the process, e.g. to look at its descendants. */
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
        // Through the handle: Process.destroy() also closes our ends of stdout and stderr, which loses
        // what the process prints while it ends (solo5-hvt's "Exiting on signal 15") and can leave a
        // tender blocked writing to a closed pipe.
        process.toHandle().destroy();
        escalation = ESCALATION.schedule(() -> {
            if (process.isAlive()) {
                LOG.debug("{}: still alive {} after SIGTERM, killing", label, grace);
                kill();
            }
        }, grace.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Sends SIGKILL to the process and to all its current descendants. Returns at once. Idempotent. */
    public void kill() {
        if (!killSent.compareAndSet(false, true) || !process.isAlive()) {
            return;
        }
        signalledWhileAlive = true;
        // Snapshot first: once the parent is dead its children are re-parented and no longer found.
        List<ProcessHandle> descendants = process.descendants().toList();
        process.toHandle().destroyForcibly();
        descendants.forEach(ProcessHandle::destroyForcibly);
        LOG.debug("{}: SIGKILL to process and {} descendant(s)", label, descendants.size());
    }

    @Override
    public String toString() {
        return label + "[pid " + process.pid() + "]";
    }

    private void superviseUntilEnd(CompletableFuture<Void> readersDone, Duration drainTimeout) {
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
        ScheduledFuture<?> pending = escalation;
        if (pending != null) {
            pending.cancel(false);
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

    private static ScheduledExecutorService escalationScheduler() {
        ScheduledThreadPoolExecutor scheduler = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "umonitor-process-escalation");
            t.setDaemon(true);
            return t;
        });
        scheduler.setRemoveOnCancelPolicy(true);
        return scheduler;
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
            CommandLine command = new CommandLine(executable.toString());
            // Without handleQuoting=false commons-exec wraps arguments containing spaces in quotes,
            // which a direct exec (no shell) would pass on literally.
            arguments.forEach(a -> command.addArgument(a, false));
            Process process;
            try {
                Map<String, String> env = new LinkedHashMap<>();
                if (inheritEnvironment) {
                    env.putAll(EnvironmentUtils.getProcEnvironment());
                }
                env.putAll(environment);
                File dir = workingDirectory == null ? null : workingDirectory.toFile();
                process = new Launcher().start(command, env, dir);
            } catch (IOException | RuntimeException e) {
                throw new LaunchException("could not start '" + executable + "' " + arguments + ": " + e.getMessage()
                        + ": check that the file exists, is executable and that the working directory "
                        + (workingDirectory == null ? "" : "'" + workingDirectory + "' ") + "exists", e);
            }
            try {
                process.getOutputStream().close();
            } catch (IOException e) {
                LOG.debug("{}: closing stdin failed", name, e);
            }
            LineQueue queue = new LineQueue(queueCapacityChars, output, name, 2);
            SupervisedProcess supervised = new SupervisedProcess(process, name, queue);
            String threadPrefix = "umonitor-" + name + "-" + process.pid();
            CompletableFuture<Void> stdoutDone = queue.startReader(process.getInputStream(),
                    GuestOutput.Stream.STDOUT, maxLineBytes, threadPrefix + "-stdout");
            CompletableFuture<Void> stderrDone = queue.startReader(process.getErrorStream(),
                    GuestOutput.Stream.STDERR, maxLineBytes, threadPrefix + "-stderr");
            queue.startDelivery(threadPrefix + "-output");
            Duration drain = drainTimeout;
            Thread supervisor = new Thread(
                    () -> supervised.superviseUntilEnd(CompletableFuture.allOf(stdoutDone, stderrDone), drain),
                    threadPrefix + "-wait");
            supervisor.setDaemon(true);
            supervisor.start();
            return supervised;
        }
    }

    /** Exposes commons-exec's launch, which gives the {@link Process} (pid, signals) its executor hides. */
    private static final class Launcher extends DefaultExecutor {
        Process start(CommandLine command, Map<String, String> env, File dir) throws IOException {
            return launch(command, env, dir);
        }
    }

    /**
     * Between the reader threads and the consumer: bounded by characters, so a stalled consumer costs
     * memory up to the capacity and then dropped (counted) lines, never a blocked child.
     */
    private static final class LineQueue {
        private record Item(GuestOutput.Stream stream, String line, boolean continuation) {
        }

        private static final Item END = new Item(null, null, false);

        private ArrayDeque<Item> items = new ArrayDeque<>();
        private boolean deliveryWaiting;
        private final long capacityChars;
        private final OutputConsumer consumer;
        private final String label;
        private final Map<GuestOutput.Stream, AtomicLong> pendingDrops = new EnumMap<>(GuestOutput.Stream.class);
        private final AtomicLong droppedTotal = new AtomicLong();
        private final CompletableFuture<Void> delivered = new CompletableFuture<>();
        private final List<Thread> readers = new ArrayList<>();
        private final List<InputStream> streams = new ArrayList<>();
        private final AtomicLong queuedChars = new AtomicLong();
        private int openReaders;
        private boolean abandoned;

        /**
         * @param readers how many readers will feed the queue; counted up front, because a reader that
         *     ends before the next one starts must not look like the last one
         */
        LineQueue(long capacityChars, OutputConsumer consumer, String label, int readers) {
            this.capacityChars = capacityChars;
            this.openReaders = readers;
            this.consumer = consumer;
            this.label = label;
            for (GuestOutput.Stream s : GuestOutput.Stream.values()) {
                pendingDrops.put(s, new AtomicLong());
            }
        }

        CompletableFuture<Void> startReader(InputStream in, GuestOutput.Stream stream, int maxLineBytes, String name) {
            CompletableFuture<Void> done = new CompletableFuture<>();
            synchronized (this) {
                streams.add(in);
            }
            Thread reader = new Thread(() -> {
                LineSplitter splitter = new LineSplitter(maxLineBytes, line -> offer(stream, line, false),
                        piece -> offer(stream, piece, true));
                byte[] buffer = new byte[READ_BUFFER_BYTES];
                try (in) {
                    int n;
                    while ((n = in.read(buffer)) >= 0) {
                        splitter.feed(buffer, 0, n);
                    }
                } catch (IOException e) {
                    // The stream was closed under us (drain timeout) or the pipe broke: the end either way.
                    LOG.debug("{}: {} ended with {}", label, stream, e.toString());
                } finally {
                    splitter.finish();
                    readerEnded();
                    done.complete(null);
                }
            }, name);
            reader.setDaemon(true);
            synchronized (this) {
                readers.add(reader);
            }
            reader.start();
            return done;
        }

        void startDelivery(String name) {
            Thread delivery = new Thread(this::deliverUntilEnd, name);
            delivery.setDaemon(true);
            delivery.start();
        }

        long droppedTotal() {
            return droppedTotal.get();
        }

        CompletableFuture<Void> delivered() {
            return delivered;
        }

        /** After the drain timeout: stop waiting for readers that a descendant's open pipe keeps alive. */
        void abandonReaders() {
            synchronized (this) {
                if (openReaders == 0) {
                    return;
                }
                abandoned = true;
                openReaders = 0;
                items.addLast(END);
                notifyAll();
            }
            for (InputStream in : streams) {
                try {
                    in.close();
                } catch (IOException e) {
                    LOG.debug("{}: closing an abandoned stream failed", label, e);
                }
            }
        }

        private synchronized void offer(GuestOutput.Stream stream, String line, boolean continuation) {
            if (abandoned) {
                return;
            }
            if (queuedChars.get() + line.length() > capacityChars && queuedChars.get() > 0) {
                pendingDrops.get(stream).incrementAndGet();
                droppedTotal.incrementAndGet();
                return;
            }
            queuedChars.addAndGet(line.length());
            items.addLast(new Item(stream, line, continuation));
            if (deliveryWaiting) {
                notifyAll();
            }
        }

        private synchronized void readerEnded() {
            if (abandoned) {
                return;
            }
            if (--openReaders == 0) {
                items.addLast(END);
                notifyAll();
            }
        }

        /** Takes everything queued at once, so the readers and the delivery meet once per batch, not per line. */
        private synchronized ArrayDeque<Item> takeAll() throws InterruptedException {
            while (items.isEmpty()) {
                deliveryWaiting = true;
                try {
                    wait();
                } finally {
                    deliveryWaiting = false;
                }
            }
            ArrayDeque<Item> batch = items;
            items = new ArrayDeque<>();
            return batch;
        }

        private void deliverUntilEnd() {
            try {
                while (true) {
                    ArrayDeque<Item> batch;
                    try {
                        batch = takeAll();
                    } catch (InterruptedException e) {
                        continue;
                    }
                    for (Item item : batch) {
                        reportDrops();
                        if (item == END) {
                            return;
                        }
                        // Counted until handed over, so a stuck consumer holds at most the capacity.
                        queuedChars.addAndGet(-item.line().length());
                        try {
                            if (item.continuation()) {
                                consumer.continuation(item.stream(), item.line());
                            } else {
                                consumer.line(item.stream(), item.line());
                            }
                        } catch (RuntimeException e) {
                            LOG.warn("{}: output consumer failed on a {} line; continuing", label, item.stream(), e);
                        }
                    }
                }
            } finally {
                delivered.complete(null);
            }
        }

        private void reportDrops() {
            for (Map.Entry<GuestOutput.Stream, AtomicLong> e : pendingDrops.entrySet()) {
                long count = e.getValue().getAndSet(0);
                if (count > 0) {
                    try {
                        consumer.linesDropped(e.getKey(), count);
                    } catch (RuntimeException ex) {
                        LOG.warn("{}: output consumer failed on a drop notice; continuing", label, ex);
                    }
                }
            }
        }
    }
}
