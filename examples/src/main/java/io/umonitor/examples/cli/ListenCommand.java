package io.umonitor.examples.cli;

import io.umonitor.api.LogFilter;
import io.umonitor.api.LogLevel;
import io.umonitor.api.CollectorEndpoint;
import io.umonitor.core.Monitor;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "listen", description = {
        "Attach mode: collect logs from unikernels umonitor did not launch.",
        "Start it, then point each unikernel's log client at the printed addresses (UMONITOR_TCP / UMONITOR_UDP)."})
final class ListenCommand implements Callable<Integer> {
    @Mixin
    CommonOptions common;

    @Option(names = "--token", defaultValue = "", description = "Token senders must present (default: none; collectors "
            + "stay on loopback). Other users see it in ps: prefer --token-file or the UMONITOR_TOKEN environment variable.")
    String token;

    @Option(names = "--token-file", paramLabel = "FILE", description = "Read the token senders must present from FILE "
            + "(its first line); keep the file readable by you only.")
    java.nio.file.Path tokenFile;

    /** --token-file, else --token, else UMONITOR_TOKEN, else none. */
    String token() throws java.io.IOException {
        if (tokenFile != null) {
            String first = java.nio.file.Files.readAllLines(tokenFile).stream().findFirst().orElse("").strip();
            if (first.isEmpty()) {
                throw new picocli.CommandLine.ParameterException(new picocli.CommandLine(this),
                        "--token-file " + tokenFile + " is empty: put the token on its first line");
            }
            return first;
        }
        if (!token.isEmpty()) {
            return token;
        }
        return System.getenv().getOrDefault("UMONITOR_TOKEN", "");
    }

    @Option(names = "--level", defaultValue = "TRACE", description = "Show records at least this severe.")
    String level;

    @Option(names = "--json", description = "Print records as JSON lines.")
    boolean json;

    @Option(names = "--syslog", arity = "0..1", fallbackValue = "127.0.0.1:5514", paramLabel = "ADDRESS",
            description = "Also receive syslog (RFC 5424/3164) over UDP and TCP on ADDRESS (default ${FALLBACK-VALUE}), "
                    + "each message attributed to the unikernel its APP-NAME names.")
    String syslog;

    @Override
    public Integer call() throws Exception {
        Monitor.Builder builder = common.monitorBuilder().acceptAttachedSenders(token());
        if (syslog != null) {
            builder.property("syslog.udpAddress", syslog).property("syslog.tcpAddress", syslog)
                    .property("syslog.attributeByName", "appname").property("syslog.attachUnknown", "true");
        }
        Monitor monitor = builder.build();
        CountDownLatch interrupted = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            monitor.close();
            interrupted.countDown();
        }, "umonitor-shutdown"));
        try (monitor; ControlServer control = ControlServer.start(common.home().control(), new MonitorControlTarget(monitor));
             MetricsEndpoint metrics = MetricsEndpoint.start(common.metrics, monitor)) {
            for (CollectorEndpoint e : monitor.endpoints()) {
                System.err.printf("listening: UMONITOR_%s=%s%n", e.transport(), e.hostAndPort());
            }
            if (syslog != null) {
                System.err.printf("listening: syslog UDP and TCP %s (a message belongs to the unikernel its APP-NAME "
                        + "names)%n", syslog);
            }
            System.err.println("logs are written to " + common.logDirectory() + "; Ctrl-C to stop");
            RecordPrinter printer = new RecordPrinter(System.out, !json && RecordPrinter.terminalSupportsColour(), true);
            try (AutoCloseable following = monitor.follow(null, LogFilter.atLeast(LogLevel.parse(level)), r -> {
                if (json) {
                    System.out.println(RecordJson.toJson(r));
                } else {
                    printer.print(r);
                }
            })) {
                interrupted.await();
            }
        }
        return 0;
    }
}
