package io.umonitor.rumprun.internal;

import com.fasterxml.jackson.databind.JsonNode;
import io.umonitor.api.ExitClassification;
import io.umonitor.api.ExitInfo;
import io.umonitor.api.LaunchException;
import io.umonitor.api.LogLevel;
import io.umonitor.api.spi.GuestOutput;
import io.umonitor.api.spi.LaunchedUnikernel;
import io.umonitor.kit.process.ProcessExit;
import io.umonitor.kit.process.SupervisedProcess;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One QEMU guest: starts QEMU (again with TCG when KVM fails and the setting allows it), feeds its
 * serial console to the monitor, follows the lifecycle the console reveals, stops QEMU after rumprun's
 * {@code halted}, and reports how the guest ended.
 */
public final class QemuGuest implements LaunchedUnikernel {

    private static final Logger LOG = LoggerFactory.getLogger(QemuGuest.class);

    /** QEMU's stderr when KVM cannot start or cannot run the guest. */
    private static final Pattern KVM_FAILURE = Pattern.compile(
            "(?i)(failed to initialize kvm|could not access kvm kernel module|kvm internal error"
                    + "|emulation failure|kvm run failed|kvm_init_vcpu failed)");
    /** A QEMU message that is only a warning: "qemu-system-x86_64: warning: ...". */
    private static final Pattern QEMU_WARNING = Pattern.compile("^\\S*qemu\\S*: warning: ");
    private static final Duration STARTUP_TIMEOUT = Duration.ofSeconds(20);
    private static final Duration QUIT_GRACE = Duration.ofSeconds(3);
    private static final int STDERR_KEPT = 20;

    private final String name;
    private final Flavour flavour;
    private final OptionalInt debugExitPort;
    private final GuestOutput output;
    private final Function<Accel, List<String>> commandFor;
    private final Path qmpSocket;
    private final boolean mayFallBackToTcg;
    private final boolean waitForDebugger;
    private final Duration kvmWatchdog;
    private final String token;
    /** Deleted once the guest has ended for good (not between a KVM attempt and its TCG retry); may be null. */
    private final GuestTokenFile tokenFile;
    /** The monitor's scheduler: stops after {@code halted}, stop escalation, the KVM watchdog; tiny tasks. */
    private final ScheduledExecutorService timers;
    private final Map<String, String> details = new java.util.concurrent.ConcurrentHashMap<>();
    private final CompletableFuture<ExitInfo> exit = new CompletableFuture<>();
    private final AtomicBoolean runningReported = new AtomicBoolean();
    private final AtomicBoolean stopRequested = new AtomicBoolean();

    private volatile Run run;

    /** One QEMU process. */
    private final class Run {
        final Accel accel;
        final ConsoleInterpreter console = new ConsoleInterpreter(flavour);
        final Deque<String> stderr = new ArrayDeque<>();
        volatile SupervisedProcess process;
        volatile QmpClient qmp;
        volatile String shutdownReason;
        volatile String kvmFailure;
        volatile boolean serialSeen;
        final AtomicBoolean haltHandled = new AtomicBoolean();

        Run(Accel accel) {
            this.accel = accel;
        }

        void line(GuestOutput.Stream stream, String line) {
            if (stream == GuestOutput.Stream.STDOUT) {
                serialSeen = true;
                output.consoleLine(GuestOutput.Stream.SERIAL, line);
                ConsoleInterpreter.Signal signal = console.accept(line);
                if (signal == ConsoleInterpreter.Signal.RUNNING && runningReported.compareAndSet(false, true)) {
                    output.running();
                } else if (signal == ConsoleInterpreter.Signal.HALTED) {
                    stopAfterHalt(this);
                }
            } else {
                output.consoleLine(GuestOutput.Stream.STDERR, line);
                synchronized (stderr) {
                    stderr.addLast(line);
                    if (stderr.size() > STDERR_KEPT) {
                        stderr.removeFirst();
                    }
                }
                if (accel == Accel.KVM && KVM_FAILURE.matcher(line).find()) {
                    kvmFailed(line.strip());
                }
            }
        }

        void event(JsonNode event) {
            String type = event.path("event").asText();
            if ("SHUTDOWN".equals(type)) {
                shutdownReason = event.path("data").path("reason").asText(null);
            } else if ("STOP".equals(type) && accel == Accel.KVM && !stopRequested.get()) {
                // Nobody asked the VM to pause: KVM stops it in "internal-error" when it cannot emulate the guest.
                QmpClient q = qmp;
                if (q != null) {
                    q.execute("query-status").thenAccept(status -> {
                        String state = status.path("return").path("status").asText();
                        if ("internal-error".equals(state)) {
                            kvmFailed("the VM stopped in state internal-error");
                        }
                    });
                }
            }
        }

        /** KVM cannot run this guest: a paused or stuck VM never ends by itself, so end it and report why. */
        void kvmFailed(String why) {
            if (kvmFailure == null) {
                kvmFailure = why;
            }
            SupervisedProcess p = process;
            if (p != null) {
                p.kill();
            }
        }

        List<String> stderrLines() {
            synchronized (stderr) {
                return List.copyOf(stderr);
            }
        }

        /**
         * QEMU's own error message (it prefixes them with its program name), or null. Warnings are not
         * errors: QEMU prints them and runs the guest anyway (KVM's "host doesn't support requested
         * feature" comes with every guest on some hosts).
         */
        String qemuError() {
            List<String> lines = stderrLines();
            for (int i = lines.size() - 1; i >= 0; i--) {
                String line = lines.get(i);
                if ((line.contains("qemu-system") || line.startsWith("qemu:")) && !QEMU_WARNING.matcher(line).find()) {
                    return line.strip();
                }
            }
            return null;
        }
    }

    public QemuGuest(String name, Flavour flavour, OptionalInt debugExitPort, GuestOutput output,
            Function<Accel, List<String>> commandFor, Path qmpSocket, Accel initialAccel, boolean mayFallBackToTcg,
            boolean waitForDebugger, Duration kvmWatchdog, String token, ScheduledExecutorService timers,
            GuestTokenFile tokenFile) {
        this.name = name;
        this.tokenFile = tokenFile;
        this.timers = timers;
        this.token = token;
        this.kvmWatchdog = kvmWatchdog;
        this.waitForDebugger = waitForDebugger;
        this.flavour = flavour;
        this.debugExitPort = debugExitPort;
        this.output = output;
        this.commandFor = commandFor;
        this.qmpSocket = qmpSocket;
        this.mayFallBackToTcg = mayFallBackToTcg;
        this.run = new Run(initialAccel);
    }

    /**
     * Starts QEMU and returns once it serves QMP (it has loaded the kernel) or the guest has already
     * run and ended.
     *
     * @throws LaunchException when QEMU fails before the guest runs, with its messages; nothing is left running
     */
    public void start() {
        try {
            startOrFail();
        } catch (RuntimeException e) {
            deleteTokenFile();
            throw e;
        }
    }

    private void startOrFail() {
        Accel accel = run.accel;
        while (true) {
            Run attempt = new Run(accel);
            run = attempt;
            StartResult result = startRun(attempt);
            if (result == StartResult.UP) {
                attempt.process.exit().thenAccept(pe -> onExit(attempt, pe));
                return;
            }
            ProcessExit pe = attempt.process.exit().join();
            if (attempt.serialSeen) {
                onExit(attempt, pe);
                return;
            }
            if (attempt.accel == Accel.KVM && mayFallBackToTcg && attempt.kvmFailure != null) {
                output.note(LogLevel.WARN, "KVM could not start the guest (" + attempt.kvmFailure
                        + "); starting it again with TCG (qemu.accel=auto)");
                accel = Accel.TCG;
                continue;
            }
            String why = attempt.kvmFailure != null
                    ? "KVM is unusable (" + attempt.kvmFailure + "): set qemu.accel=tcg or auto"
                    : result == StartResult.TIMEOUT ? "QEMU did not answer on its QMP socket " + qmpSocket + " within "
                            + STARTUP_TIMEOUT.toSeconds() + " s; it was killed"
                    : "QEMU ended during start-up with " + pe.describe();
            throw new LaunchException("unikernel '" + name + "' could not be started: " + why
                    + "; QEMU said: " + attempt.stderrLines() + "; command: " + printable(commandFor.apply(accel)));
        }
    }

    private enum StartResult { UP, ENDED, TIMEOUT }

    /** The command line for messages and details, with the log token (a secret) left out. */
    private String printable(List<String> command) {
        String line = String.join(" ", command);
        return token.isEmpty() ? line : line.replace(token, "<token>");
    }

    private StartResult startRun(Run attempt) {
        List<String> command = commandFor.apply(attempt.accel);
        details.put("accel", attempt.accel.qemuName());
        details.put("command", printable(command));
        attempt.process = SupervisedProcess.builder(Path.of(command.get(0)))
                .arguments(command.subList(1, command.size()))
                .label("qemu-" + name)
                .output(new SupervisedProcess.OutputConsumer() {
                    @Override
                    public void line(GuestOutput.Stream stream, String line) {
                        attempt.line(stream, line);
                    }

                    @Override
                    public void continuation(GuestOutput.Stream stream, String piece) {
                        output.consoleContinuation(stream == GuestOutput.Stream.STDOUT ? GuestOutput.Stream.SERIAL
                                : stream, piece);
                    }
                })
                .start();
        try {
            attempt.qmp = QmpClient.connect(qmpSocket, STARTUP_TIMEOUT, attempt.process::isAlive, attempt::event,
                    "umonitor-qmp-" + name);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            attempt.process.kill();
            throw new LaunchException("interrupted while starting unikernel '" + name + "'; QEMU was killed", e);
        }
        if (attempt.qmp != null) {
            // QEMU started with -S: the guest runs from here, with its SHUTDOWN event sure to reach us.
            if (!waitForDebugger) {
                attempt.qmp.execute("cont");
                watchKvm(attempt);
            }
            return StartResult.UP;
        }
        if (attempt.process.isAlive()) {
            attempt.process.kill();
            attempt.process.exit().join();
            return StartResult.TIMEOUT;
        }
        return StartResult.ENDED;
    }

    /**
     * Some KVMs (a software hypervisor such as kvm_pvm) neither fail nor run a guest: it just never
     * prints. With auto acceleration, silence for the watchdog period counts as a KVM failure.
     */
    private void watchKvm(Run attempt) {
        if (attempt.accel != Accel.KVM || !mayFallBackToTcg || kvmWatchdog.isZero()) {
            return;
        }
        timers.schedule(() -> {
            if (run == attempt && !attempt.serialSeen && attempt.process.isAlive() && !stopRequested.get()) {
                attempt.kvmFailed("no console output within " + kvmWatchdog.toSeconds() + " s under KVM");
            }
        }, kvmWatchdog.toMillis(), TimeUnit.MILLISECONDS);
    }

    private void onExit(Run ended, ProcessExit pe) {
        try {
            QmpClient qmp = ended.qmp;
            if (qmp != null) {
                // The SHUTDOWN event precedes QEMU's exit but may still be in the reader's hands.
                qmp.awaitClosed(Duration.ofSeconds(1));
                qmp.close();
            }
            if (ended.accel == Accel.KVM && ended.kvmFailure != null && mayFallBackToTcg && !stopRequested.get()) {
                output.note(LogLevel.WARN, "KVM failed while running the guest (" + ended.kvmFailure
                        + "); running it again with TCG (qemu.accel=auto)"
                        + (ended.serialSeen ? "; the console output so far came from the KVM attempt" : ""));
                Run retry = new Run(Accel.TCG);
                run = retry;
                StartResult result = startRun(retry);
                if (result == StartResult.UP) {
                    retry.process.exit().thenAccept(next -> onExit(retry, next));
                } else {
                    onExit(retry, retry.process.exit().join());
                }
                return;
            }
            ExitInfo info = ExitClassifier.classify(new ExitClassifier.Observed(flavour, debugExitPort,
                    ended.console.exitCode(), ended.console.exitLine(), ended.console.panic(),
                    ended.haltHandled.get(), stopRequested.get(), ended.shutdownReason, pe.exitValue(),
                    ended.qemuError(), mayFallBackToTcg ? null : ended.kvmFailure));
            removeQmpSocket();
            deleteTokenFile();
            exit.complete(info);
        } catch (RuntimeException e) {
            deleteTokenFile();
            LOG.warn("unikernel '{}': classifying the end of QEMU failed", name, e);
            exit.complete(ExitInfo.of(-1, 0, ExitClassification.LAUNCHER_ERROR,
                    "QEMU ended with " + pe.describe() + " and umonitor could not restart or classify it: " + e.getMessage()));
        }
    }

    private void deleteTokenFile() {
        if (tokenFile != null) {
            tokenFile.close();
        }
    }

    /** QEMU leaves its socket behind when killed; a fallback directory for a deep run directory is ours too. */
    private void removeQmpSocket() {
        try {
            java.nio.file.Files.deleteIfExists(qmpSocket);
            Path parent = qmpSocket.getParent();
            if (parent != null && parent.getFileName().toString().startsWith("umq-")) {
                java.nio.file.Files.deleteIfExists(parent);
            }
        } catch (java.io.IOException e) {
            LOG.debug("could not remove QMP socket {}", qmpSocket, e);
        }
    }

    /** Rumprun idles forever after {@code halted}: end QEMU ourselves, politely first. */
    private void stopAfterHalt(Run r) {
        if (!r.haltHandled.compareAndSet(false, true)) {
            return;
        }
        QmpClient qmp = r.qmp;
        if (qmp != null) {
            qmp.execute("quit");
        } else {
            r.process.stop(QUIT_GRACE);
        }
        timers.schedule(() -> r.process.kill(), QUIT_GRACE.toMillis(), TimeUnit.MILLISECONDS);
    }

    @Override
    public OptionalLong pid() {
        SupervisedProcess p = run.process;
        return p == null ? OptionalLong.empty() : OptionalLong.of(p.pid());
    }

    @Override
    public CompletableFuture<ExitInfo> exit() {
        return exit;
    }

    @Override
    public void stop(Duration grace) {
        if (exit.isDone() || !stopRequested.compareAndSet(false, true)) {
            return;
        }
        Run r = run;
        QmpClient qmp = r.qmp;
        if (qmp == null) {
            r.process.stop(grace);
            return;
        }
        // ACPI power button first (guests that handle it shut down cleanly), then QEMU's own quit, then SIGKILL.
        qmp.execute("system_powerdown");
        timers.schedule(() -> {
            if (r.process.isAlive()) {
                qmp.execute("quit");
                timers.schedule(() -> r.process.kill(), QUIT_GRACE.toMillis(), TimeUnit.MILLISECONDS);
            }
        }, grace.toMillis(), TimeUnit.MILLISECONDS);
    }

    @Override
    public void kill() {
        stopRequested.set(true);
        SupervisedProcess p = run.process;
        if (p != null) {
            p.kill();
        }
    }

    @Override
    public Map<String, String> details() {
        Map<String, String> d = new LinkedHashMap<>(details);
        d.put("flavour", flavour.id());
        d.put("qmp", qmpSocket.toString());
        return Map.copyOf(d);
    }

    /** Adds an operator fact (e.g. how to attach gdb). */
    public void detail(String key, String value) {
        details.put(key, value);
    }
}
