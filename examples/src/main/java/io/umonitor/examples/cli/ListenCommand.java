package io.umonitor.examples.cli;

import io.umonitor.api.LogFilter;
import io.umonitor.api.LogLevel;
import io.umonitor.api.CollectorEndpoint;
import io.umonitor.core.Monitor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;

@Command(name = "listen", description = {
        "Attach mode: collect logs from unikernels umonitor did not launch.",
        "Prints a ready-to-paste line of environment variables (UMONITOR_NAME, UMONITOR_TOKEN, UMONITOR_TCP,",
        "UMONITOR_UDP) for each sender's log client; choose UMONITOR_NAME per sender."})
final class ListenCommand implements Callable<Integer> {
    @Mixin
    CommonOptions common;

    @Option(names = "--token", description = "Token senders must present (default: a generated one, printed; "
            + "--token '' accepts senders without a token, on loopback only). Other users see it in ps: prefer "
            + "--token-file or the UMONITOR_TOKEN environment variable.")
    String token;

    @Option(names = "--token-file", paramLabel = "FILE", description = "Read the token senders must present from FILE "
            + "(its first line); keep the file readable by you only.")
    Path tokenFile;

    @Option(names = "--name", defaultValue = "guest-1", description = "The UMONITOR_NAME shown in the printed line (default: ${DEFAULT-VALUE}).")
    String exampleName;

    /** Where the token came from, for the line saying what senders must present; null when generated. */
    private String tokenSource;

    /** --token-file, else --token, else UMONITOR_TOKEN, else null (one is generated). */
    private String givenToken() throws IOException {
        if (tokenFile != null) {
            String first = Files.readAllLines(tokenFile).stream().findFirst().orElse("").strip();
            if (first.isEmpty()) {
                throw new ParameterException(new CommandLine(this),
                        "--token-file " + tokenFile + " is empty: put the token on its first line");
            }
            tokenSource = "--token-file " + tokenFile;
            return first;
        }
        if (token != null) {
            tokenSource = "--token";
            return token;
        }
        String fromEnvironment = System.getenv("UMONITOR_TOKEN");
        if (fromEnvironment != null) {
            tokenSource = "UMONITOR_TOKEN";
        }
        return fromEnvironment;
    }

    @Option(names = "--level", defaultValue = "TRACE", description = "Show records at least this severe.")
    String level;

    @Option(names = "--json", description = "Print records as JSON lines.")
    boolean json;

    @Option(names = "--syslog", arity = "0..1", fallbackValue = "127.0.0.1:5514", paramLabel = "ADDRESS",
            description = "Also receive syslog (RFC 5424/3164) over UDP and TCP on ADDRESS (default ${FALLBACK-VALUE}), "
                    + "each message attributed to the unikernel its APP-NAME names.")
    String syslog;

    @Mixin
    WebOption web;

    @Override
    public Integer call() throws Exception {
        String given = givenToken();
        boolean generated = given == null;
        String senderToken = generated ? HexFormat.of().formatHex(randomBytes()) : given;
        Monitor.Builder builder = common.monitorBuilder().acceptAttachedSenders(senderToken);
        if (syslog != null) {
            builder.property("syslog.udpAddress", syslog).property("syslog.tcpAddress", syslog)
                    .property("syslog.attributeByName", "appname").property("syslog.attachUnknown", "true");
        }
        Monitor monitor = web.apply(builder).build();
        CountDownLatch interrupted = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            monitor.close();
            interrupted.countDown();
        }, "umonitor-shutdown"));
        try (monitor; ControlServer control = ControlServer.start(common.home().control(),
                new MonitorControlTarget(monitor, "listen", common.logDirectory()));
             MetricsEndpoint metrics = MetricsEndpoint.start(common.metrics, monitor)) {
            System.err.println(generated ? "senders must present the generated token " + senderToken
                    : senderToken.isEmpty() ? "senders need no token" : "senders must present the token given with "
                    + tokenSource);
            StringBuilder env = new StringBuilder("UMONITOR_NAME=").append(exampleName);
            if (!senderToken.isEmpty()) {
                env.append(" UMONITOR_TOKEN=").append(senderToken);
            }
            for (CollectorEndpoint e : monitor.endpoints()) {
                env.append(" UMONITOR_").append(e.transport()).append('=').append(e.hostAndPort());
            }
            System.err.println("start each sender with (one UMONITOR_NAME per sender):");
            System.err.println("  " + env);
            if (syslog != null) {
                System.err.printf("listening: syslog UDP and TCP %s (a message belongs to the unikernel its APP-NAME "
                        + "names)%n", syslog);
            }
            web.announce(monitor);
            System.err.println("logs are written to " + common.logDirectory() + "; `umonitor ps` lists senders; Ctrl-C to stop");
            RecordPrinter printer = new RecordPrinter(System.out, !json && RecordPrinter.terminalSupportsColour(), true);
            try (AutoCloseable following = monitor.follow(null, LogFilter.atLeast(LogLevel.parse(level)), r -> {
                if (json) {
                    printer.printLine(RecordJson.toCliJson(r).toString());
                } else {
                    printer.print(r);
                }
            })) {
                interrupted.await();
            }
        }
        return 0;
    }

    private static byte[] randomBytes() {
        byte[] b = new byte[16];
        new SecureRandom().nextBytes(b);
        return b;
    }
}
