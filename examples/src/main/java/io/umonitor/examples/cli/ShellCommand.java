package io.umonitor.examples.cli;

import io.umonitor.api.LogFilter;
import io.umonitor.api.LogLevel;
import io.umonitor.api.LogRecord;
import io.umonitor.api.LogStats;
import io.umonitor.api.UnikernelHandle;
import io.umonitor.core.Monitor;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicReference;
import org.jline.reader.EndOfFileException;
import org.jline.reader.LineReader;
import org.jline.reader.LineReaderBuilder;
import org.jline.reader.UserInterruptException;
import org.jline.reader.impl.DefaultParser;
import org.jline.terminal.Terminal;
import org.jline.terminal.TerminalBuilder;
import org.jline.console.SystemRegistry;
import org.jline.console.impl.SystemRegistryImpl;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.shell.jline3.PicocliCommands;

@Command(name = "shell", description = {
        "Interactive shell: run several unikernels, switch between their live logs (history and Tab completion)."})
final class ShellCommand implements Callable<Integer> {
    @Mixin
    CommonOptions common;

    /** Which unikernel's records appear above the prompt: a name, "*" for all, or null for none. */
    private final AtomicReference<String> watched = new AtomicReference<>("*");
    private Monitor monitor;
    private LineReader reader;
    private RecordPrinter printer;

    @Override
    public Integer call() throws Exception {
        Monitor held = common.monitorBuilder().build();
        monitor = held;
        try (held;
             ControlServer control = ControlServer.start(common.home().control(), new MonitorControlTarget(held));
             MetricsEndpoint metrics = MetricsEndpoint.start(common.metrics, held);
             Terminal terminal = TerminalBuilder.builder().name("umonitor").build()) {
            boolean colour = !"dumb".equals(terminal.getType()) && System.getenv("NO_COLOR") == null;
            printer = new RecordPrinter(System.out, colour, true);
            CommandLine commands = new CommandLine(new ShellCommands(this));
            PicocliCommands picocli = new PicocliCommands(commands);
            DefaultParser parser = new DefaultParser();
            SystemRegistry registry = new SystemRegistryImpl(parser, terminal, () -> Path.of("."), null);
            registry.setCommandRegistries(picocli);
            reader = LineReaderBuilder.builder().terminal(terminal).completer(registry.completer()).parser(parser)
                    .variable(LineReader.HISTORY_FILE, common.home().root().resolve("shell-history"))
                    .build();
            monitor.addLifecycleListener(e -> above(printer.format(e)));
            try (AutoCloseable following = monitor.follow(null, LogFilter.ALL, this::live)) {
                terminal.writer().println("umonitor shell: `help` lists commands; Tab completes; Ctrl-D leaves (stopping every unikernel)");
                while (true) {
                    try {
                        registry.cleanUp();
                        String line = reader.readLine("umonitor> ");
                        if (line.isBlank()) {
                            continue;
                        }
                        if (line.trim().equals("exit") || line.trim().equals("quit")) {
                            return 0;
                        }
                        registry.execute(line);
                    } catch (UserInterruptException e) {
                        // Ctrl-C clears the line, as in a shell
                    } catch (EndOfFileException e) {
                        return 0;
                    } catch (Exception e) {
                        registry.trace(e);
                    }
                }
            }
        }
    }

    private void live(LogRecord r) {
        String w = watched.get();
        if (w != null && (w.equals("*") || w.equals(r.unikernel()))) {
            above(printer.format(r));
        }
    }

    private void above(String line) {
        LineReader r = reader;
        if (r != null) {
            r.printAbove(line);
        } else {
            System.out.println(line);
        }
    }

    @Command(name = "", description = "Commands:", subcommands = {CommandLine.HelpCommand.class,
            ShellRun.class, ShellPs.class, ShellLogs.class, ShellWatch.class, ShellStop.class})
    static final class ShellCommands {
        final ShellCommand shell;

        ShellCommands(ShellCommand shell) {
            this.shell = shell;
        }
    }

    @Command(name = "run", description = "Launch a unikernel (same options as `umonitor run`).")
    static final class ShellRun implements Runnable {
        @CommandLine.ParentCommand
        ShellCommands parent;

        @Mixin
        SpecOptions spec;

        @Override
        public void run() {
            UnikernelHandle h = parent.shell.monitor.launch(spec.toSpec());
            System.out.println("launched " + h.name() + " (" + h.backendId() + ")");
        }
    }

    @Command(name = "ps", description = "List unikernels with state and log counters.")
    static final class ShellPs implements Runnable {
        @CommandLine.ParentCommand
        ShellCommands parent;

        @Override
        public void run() {
            System.out.printf("%-20s %-8s %-8s %8s %9s %6s%n", "NAME", "BACKEND", "STATE", "RESTARTS", "RECORDS", "LOST");
            for (UnikernelHandle h : parent.shell.monitor.unikernels()) {
                LogStats s = h.logStats();
                System.out.printf("%-20s %-8s %-8s %8d %9d %6d%n", h.name(), h.backendId(), h.state(), h.restarts(), s.received(), s.lost());
            }
        }
    }

    @Command(name = "logs", description = "Show the recorded logs of one unikernel.")
    static final class ShellLogs implements Runnable {
        @CommandLine.ParentCommand
        ShellCommands parent;

        @Parameters(paramLabel = "NAME")
        String name;

        @Option(names = "--level", defaultValue = "TRACE")
        String level;

        @Option(names = "--grep", paramLabel = "TEXT")
        String grep;

        @Override
        public void run() {
            for (LogRecord r : parent.shell.monitor.logs(name, new LogFilter(LogLevel.parse(level), null, null, grep))) {
                System.out.println(parent.shell.printer.format(r));
            }
        }
    }

    @Command(name = "watch", description = "Choose whose live records appear above the prompt: NAME, all, or none.")
    static final class ShellWatch implements Runnable {
        @CommandLine.ParentCommand
        ShellCommands parent;

        @Parameters(paramLabel = "NAME|all|none")
        String target;

        @Override
        public void run() {
            parent.shell.watched.set(target.equals("none") ? null : target.equals("all") ? "*" : target);
            System.out.println("watching " + target);
        }
    }

    @Command(name = "stop", description = "Stop a unikernel.")
    static final class ShellStop implements Runnable {
        @CommandLine.ParentCommand
        ShellCommands parent;

        @Parameters(paramLabel = "NAME")
        String name;

        @Override
        public void run() {
            parent.shell.monitor.find(name).ifPresentOrElse(
                    h -> System.out.println(name + ": " + h.stop(Duration.ofSeconds(5)).description()),
                    () -> System.out.println("no unikernel named '" + name + "': see ps"));
        }
    }
}
