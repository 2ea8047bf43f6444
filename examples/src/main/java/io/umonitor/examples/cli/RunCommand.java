package io.umonitor.examples.cli;

import io.umonitor.api.ExitInfo;
import io.umonitor.api.LogFilter;
import io.umonitor.api.LogLevel;
import io.umonitor.api.UnikernelHandle;
import io.umonitor.core.Monitor;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "run", description = {
        "Launch one unikernel and show its logs until it ends (Ctrl-C stops it).",
        "Meanwhile `umonitor ps`, `logs` and `stop` work from another terminal."},
        sortOptions = false)
final class RunCommand implements Callable<Integer> {
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

    @Override
    public Integer call() throws Exception {
        Monitor.Builder builder = common.monitorBuilder();
        if (syslog) {
            builder.property("syslog.udpAddress", "127.0.0.1:0").property("syslog.tcpAddress", "127.0.0.1:0")
                    .property("syslog.attributeByName", "appname");
        }
        Monitor monitor = builder.build();
        Runtime.getRuntime().addShutdownHook(new Thread(monitor::close, "umonitor-shutdown"));
        try (monitor; ControlServer control = ControlServer.start(common.home().control(), new MonitorControlTarget(monitor));
             MetricsEndpoint metrics = MetricsEndpoint.start(common.metrics, monitor)) {
            RecordPrinter printer = new RecordPrinter(System.out, !json && RecordPrinter.terminalSupportsColour(), false);
            UnikernelHandle handle = monitor.launch(spec.toSpec());
            try (AutoCloseable following = monitor.follow(handle.name(), LogFilter.atLeast(LogLevel.parse(level)), r -> {
                if (json) {
                    System.out.println(RecordJson.toJson(r));
                } else {
                    printer.print(r);
                }
            })) {
                ExitInfo exit = handle.termination().join();
                System.err.printf("%s ended: %s (exit %d, %s); logs in %s%n", handle.name(), exit.description(),
                        exit.exitCode(), exit.classification(), common.logDirectory());
                return exit.exitCode() < 0 ? 1 : exit.exitCode();
            }
        }
    }
}
