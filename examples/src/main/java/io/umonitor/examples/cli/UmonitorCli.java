package io.umonitor.examples.cli;

import io.umonitor.api.UmonitorException;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

/** The {@code umonitor} command: watch and drive unikernels from a terminal. */
@Command(name = "umonitor", mixinStandardHelpOptions = true, scope = ScopeType.INHERIT, version = "umonitor 0.1.0",
        description = "Launch unikernels, wire up their network, and collect and show their logs.",
        subcommands = {DemoCommand.class, RunCommand.class, PsCommand.class, StatsCommand.class, LogsCommand.class, StopCommand.class,
                ListenCommand.class, ShellCommand.class, TraceCommand.class, SoakCommand.class,
                CommandLine.HelpCommand.class})
public final class UmonitorCli {

    /** Set by {@code --debug} on any command: errors then come with their stack trace. */
    static volatile boolean debug;

    @Option(names = "--debug", scope = ScopeType.INHERIT, description = "On an error, print its stack trace too.")
    void debug(boolean value) {
        debug = value;
    }

    public static void main(String[] args) {
        // The command prints records itself; the SLF4J sink (for host applications) would print them twice.
        System.setProperty("org.slf4j.simpleLogger.log.umonitor.guest", System.getProperty("org.slf4j.simpleLogger.log.umonitor.guest", "off"));
        System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", System.getProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn"));
        int code = commandLine().execute(args);
        System.out.flush();
        System.err.flush();
        System.exit(code);
    }

    static CommandLine commandLine() {
        CommandLine cli = new CommandLine(new UmonitorCli());
        cli.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
            reportError(commandLine.getErr(), e);
            return e instanceof UmonitorException ? 2 : 1;
        });
        // A mistyped command line: one line saying what is wrong and where the help is, not the whole usage.
        cli.setParameterExceptionHandler((e, args) -> {
            CommandLine c = e.getCommandLine();
            c.getErr().println(c.getCommandSpec().qualifiedName() + ": " + e.getMessage() + " (see `"
                    + c.getCommandSpec().qualifiedName() + " --help`)");
            if (debug) {
                e.printStackTrace(c.getErr());
            }
            return c.getCommandSpec().exitCodeOnInvalidInput();
        });
        return cli;
    }

    /** One line in command-line words; the stack trace only with {@code --debug}. */
    static void reportError(java.io.PrintWriter err, Throwable e) {
        System.out.flush(); // what the command printed before it failed comes first
        err.println("umonitor: " + CliErrors.describe(e));
        if (debug) {
            e.printStackTrace(err);
        }
        err.flush();
    }
}
