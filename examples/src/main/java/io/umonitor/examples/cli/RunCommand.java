package io.umonitor.examples.cli;

import io.umonitor.api.Attribute;
import io.umonitor.api.ExitClassification;
import io.umonitor.api.ExitInfo;
import io.umonitor.api.LogFilter;
import io.umonitor.api.LogLevel;
import io.umonitor.api.LogOrigin;
import io.umonitor.api.LogRecord;
import io.umonitor.api.RestartPolicy;
import io.umonitor.api.UnikernelHandle;
import io.umonitor.api.UnikernelSpec;
import io.umonitor.core.Monitor;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "run", description = {
        "Launch one unikernel and show its logs until it ends (Ctrl-C stops it gracefully).",
        "The backend follows from the image (a Linux program or #! script: process; a Solo5 image: solo5;",
        "a multiboot or Linux kernel: qemu) unless --backend says otherwise.",
        "Meanwhile `umonitor ps`, `logs` and `stop` work from another terminal."},
        sortOptions = false)
final class RunCommand implements Callable<Integer> {
    /** The monitor's records that end a run: after the last of them, nothing more is logged for it. */
    private static final Set<String> FINAL_EVENTS = Set.of("exited", "stopped", "launch-failed", "gave-up");
    /** The monitor's records that start the story of a run. */
    private static final Set<String> START_EVENTS = Set.of("launched", "launch-failed");
    /** Guest records held until "launched" is shown; beyond this many they are shown as they come. */
    private static final int EARLY_RECORDS_HELD = 10_000;

    @Mixin
    SpecOptions spec;

    @Mixin
    CommonOptions common;

    @Option(names = "--level", defaultValue = "TRACE", description = "Show records at least this severe (default: ${DEFAULT-VALUE}).")
    String level;

    @Option(names = "--json", description = "Print records as JSON lines.")
    boolean json;

    @Option(names = "--syslog", description = "Also receive the unikernel's syslog: on its tap's host address (by its "
            + "source address) and on loopback (by APP-NAME); it learns where in UMONITOR_SYSLOG (process, qemu) or, "
            + "with --option solo5.syslog=true, as --syslog= boot keys.")
    boolean syslog;

    @Mixin
    WebOption web;

    @Override
    public Integer call() throws Exception {
        UnikernelSpec unikernel = spec.toSpec();
        LogLevel minimum = LogLevel.parse(level);
        Monitor.Builder builder = common.monitorBuilder();
        if (syslog) {
            builder.property("syslog.udpAddress", "127.0.0.1:0").property("syslog.tcpAddress", "127.0.0.1:0")
                    .property("syslog.attributeByName", "appname");
        }
        Monitor monitor = web.apply(builder).build();
        CountDownLatch reported = new CountDownLatch(1);
        AtomicReference<UnikernelHandle> running = new AtomicReference<>();
        // Ctrl-C (SIGINT) and SIGTERM reach only umonitor: stop the guest gracefully, let the main thread
        // print its last records and the final line, then close.
        Thread shutdown = new Thread(() -> {
            UnikernelHandle h = running.get();
            if (h != null && !h.termination().isDone()) {
                h.stop();
                awaitQuietly(reported, 5);
            }
            monitor.close();
        }, "umonitor-shutdown");
        Runtime.getRuntime().addShutdownHook(shutdown);
        try (monitor; ControlServer control = ControlServer.start(common.home().control(),
                new MonitorControlTarget(monitor, "run", common.logDirectory()));
             MetricsEndpoint metrics = MetricsEndpoint.start(common.metrics, monitor)) {
            web.announce(monitor);
            RecordPrinter printer = new RecordPrinter(System.out, !json && RecordPrinter.terminalSupportsColour(), false);
            boolean launchFailureIsFinal = unikernel.restartPolicy().equals(RestartPolicy.NEVER);
            AtomicLong lastArrival = new AtomicLong(System.nanoTime());
            AtomicReference<String> lastEvent = new AtomicReference<>("");
            // Records a guest sends while its backend is still starting it (a fast program logs over TCP before
            // launch() returns) are shown after the monitor's "launched", so the story starts at its start.
            List<LogRecord> early = new ArrayList<>();
            boolean[] launchRecorded = {false};
            Consumer<LogRecord> show = r -> {
                if (!r.level().isAtLeast(minimum) || (launchFailureIsFinal && event(r).equals("launch-failed"))) {
                    return; // a launch failure is said once, as the error at the end
                }
                if (json) {
                    printer.printLine(RecordJson.toCliJson(r).toString());
                } else {
                    printer.print(r);
                }
            };
            // Following begins before the launch, so the first records cannot be missed: of everyone, as the
            // name is not known to the monitor yet (this monitor runs only this unikernel).
            AutoCloseable following = monitor.follow(null, LogFilter.ALL, r -> {
                if (!r.unikernel().equals(unikernel.name())) {
                    return;
                }
                String event = event(r);
                lastEvent.set(event);
                lastArrival.set(System.nanoTime());
                if (!launchRecorded[0]) {
                    if (!START_EVENTS.contains(event) && early.size() < EARLY_RECORDS_HELD) {
                        early.add(r);
                        return;
                    }
                    launchRecorded[0] = START_EVENTS.contains(event);
                    show.accept(r);
                    if (launchRecorded[0]) {
                        early.forEach(show);
                        early.clear();
                    }
                    return;
                }
                show.accept(r);
            });
            ExitInfo exit;
            try (following) {
                UnikernelHandle handle = UniqueNames.launch(common.home(), monitor, unikernel);
                running.set(handle);
                exit = handle.termination().join();
                // Records still on their way (the guest's last lines, the monitor's "exited") come first.
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
                while (System.nanoTime() < deadline && !(FINAL_EVENTS.contains(lastEvent.get())
                        && System.nanoTime() - lastArrival.get() > TimeUnit.MILLISECONDS.toNanos(150))) {
                    Thread.sleep(20); // polling the follower's progress: nothing else signals "no more records"
                }
            }
            early.forEach(show); // a launch that never recorded itself: show what came anyway
            System.out.flush();
            if (exit.classification() == ExitClassification.LAUNCHER_ERROR && exit.exitCode() < 0) {
                System.err.println("umonitor: cannot launch '" + unikernel.name() + "': "
                        + CliErrors.forCommandLine(exit.description()));
                reported.countDown();
                return 2;
            }
            System.err.printf("%s ended: %s (exit %d, %s); logs in %s%n", unikernel.name(),
                    CliErrors.forCommandLine(TerminalText.show(exit.description())), exit.exitCode(),
                    exit.classification(), common.logDirectory());
            System.err.flush();
            reported.countDown();
            return exit.exitCode() < 0 ? 1 : exit.exitCode();
        } finally {
            reported.countDown();
            try {
                Runtime.getRuntime().removeShutdownHook(shutdown);
            } catch (IllegalStateException e) {
                // already shutting down: the hook is running
            }
        }
    }

    static String event(LogRecord r) {
        if (r.origin() != LogOrigin.MONITOR) {
            return "";
        }
        for (Attribute a : r.attributes()) {
            if (a.key().equals("event")) {
                return a.value().render();
            }
        }
        return "";
    }

    private static void awaitQuietly(CountDownLatch latch, int seconds) {
        try {
            latch.await(seconds, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
