package io.umonitor.examples.cli;

import io.umonitor.api.UmonitorException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code umonitor} command: watch and drive unikernels from a terminal. */
@Command(name = "umonitor", mixinStandardHelpOptions = true, version = "umonitor 0.1.0",
        description = "Launch unikernels, wire up their network, and collect and show their logs.",
        subcommands = {DemoCommand.class, RunCommand.class, PsCommand.class, StatsCommand.class, LogsCommand.class, StopCommand.class,
                ListenCommand.class, ShellCommand.class, TraceCommand.class, SoakCommand.class,
                CommandLine.HelpCommand.class})
public final class UmonitorCli {

    public static void main(String[] args) {
        // The command prints records itself; the SLF4J sink (for host applications) would print them twice.
        System.setProperty("org.slf4j.simpleLogger.log.umonitor.guest", System.getProperty("org.slf4j.simpleLogger.log.umonitor.guest", "off"));
        System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", System.getProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn"));
        System.exit(commandLine().execute(args));
    }

    static CommandLine commandLine() {
        CommandLine cli = new CommandLine(new UmonitorCli());
        // umonitor's own exceptions carry a complete sentence (input, value, fix): show that, not a trace.
        cli.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
            if (e instanceof UmonitorException) {
                commandLine.getErr().println("umonitor: " + e.getMessage());
                return 2;
            }
            throw e;
        });
        return cli;
    }
}
