package io.umonitor.examples.cli;

import io.umonitor.api.ConfigurationException;
import io.umonitor.api.ExitInfo;
import io.umonitor.api.LogFilter;
import io.umonitor.api.LogLevel;
import io.umonitor.api.LogRecord;
import io.umonitor.api.LogStats;
import io.umonitor.api.UnikernelHandle;
import io.umonitor.core.Monitor;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import org.jline.builtins.Completers.FileNameCompleter;
import org.jline.reader.Candidate;
import org.jline.reader.Completer;
import org.jline.reader.EndOfFileException;
import org.jline.reader.LineReader;
import org.jline.reader.LineReaderBuilder;
import org.jline.reader.ParsedLine;
import org.jline.reader.UserInterruptException;
import org.jline.reader.impl.DefaultParser;
import org.jline.terminal.Attributes;
import org.jline.terminal.Terminal;
import org.jline.terminal.TerminalBuilder;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "shell", description = {
        "Interactive shell: run several unikernels, switch between their live logs (history and Tab completion).",
        "Ctrl-C cancels the line being typed (or a running `logs -f`); Ctrl-D or `exit` leaves, stopping every unikernel."})
final class ShellCommand implements Callable<Integer> {
    @Mixin
    CommonOptions common;

    @Mixin
    WebOption web;

    /** Which unikernel's records appear above the prompt: a name, "*" for all, or null for none. */
    private final AtomicReference<String> watched = new AtomicReference<>("*");
    private Monitor monitor;
    private LineReader reader;
    private RecordPrinter printer;
    private Terminal terminal;
    /** The thread running a command, interrupted by Ctrl-C (e.g. to end `logs -f`). */
    private volatile Thread running;

    @Override
    public Integer call() throws Exception {
        Monitor held = web.apply(common.monitorBuilder()).build();
        monitor = held;
        try (held;
             ControlServer control = ControlServer.start(common.home().control(),
                     new MonitorControlTarget(held, "shell", common.logDirectory()));
             MetricsEndpoint metrics = MetricsEndpoint.start(common.metrics, held);
             Terminal t = systemTerminal()) {
            terminal = t;
            boolean colour = !"dumb".equals(terminal.getType()) && System.getenv("NO_COLOR") == null;
            printer = new RecordPrinter(System.out, colour, true);
            CommandLine commands = shellCommandLine();
            // Ctrl-C while a command runs interrupts that command; while typing, jline turns it into
            // UserInterruptException. Either way only umonitor sees it: guests run in their own process groups.
            terminal.handle(Terminal.Signal.INT, signal -> {
                Thread r = running;
                if (r != null) {
                    r.interrupt();
                }
            });
            reader = LineReaderBuilder.builder().terminal(terminal).completer(new ShellCompleter(commands))
                    .parser(new DefaultParser())
                    .variable(LineReader.HISTORY_FILE, common.home().root().resolve("shell-history"))
                    .build();
            monitor.addLifecycleListener(e -> above(printer.format(e)));
            // Raw mode for the whole session, not only while readLine runs: jline restores the attributes it
            // found after each line, and keys typed in between would meet the kernel's line discipline. There a
            // Ctrl-D is an end-of-file mark that is lost when readLine switches to raw mode again, so the shell
            // did not end. In raw mode every key waits, unchanged, for the next readLine.
            Attributes cooked = terminal.enterRawMode();
            try (AutoCloseable following = monitor.follow(null, LogFilter.ALL, this::live);
                 AutoCloseable restore = () -> terminal.setAttributes(cooked)) {
                terminal.writer().println("umonitor shell: `help` lists commands; Tab completes; Ctrl-C cancels a line; "
                        + "Ctrl-D or `exit` leaves (stopping every unikernel)");
                web.announce(monitor);
                while (true) {
                    String line;
                    try {
                        line = reader.readLine("umonitor> ");
                    } catch (UserInterruptException e) {
                        continue; // Ctrl-C cancels the half-typed line, as in a shell
                    } catch (EndOfFileException e) {
                        break;
                    }
                    if (line.isBlank()) {
                        continue;
                    }
                    if (line.trim().equals("exit") || line.trim().equals("quit")) {
                        break;
                    }
                    execute(commands, reader.getParsedLine().words().stream().filter(w -> !w.isEmpty()).toList());
                }
                long live = monitor.unikernels().stream().filter(h -> !h.termination().isDone()).count();
                if (live > 0) {
                    terminal.writer().println("stopping " + live + " unikernel(s)...");
                    terminal.writer().flush();
                }
                return 0;
            }
        }
    }

    /**
     * The system terminal through jline's JNI provider (its native library ships in the jline jar), else the
     * exec provider (runs {@code stty}); chosen explicitly so that every machine gets the same terminal code
     * rather than whatever jline's default order finds first. Without a terminal on stdin, a dumb one.
     */
    private static Terminal systemTerminal() throws java.io.IOException {
        return TerminalBuilder.builder().name("umonitor").system(true)
                .providers(TerminalBuilder.PROP_PROVIDER_JNI + "," + TerminalBuilder.PROP_PROVIDER_EXEC).build();
    }

    private CommandLine shellCommandLine() {
        CommandLine commands = new CommandLine(new ShellCommands(this));
        commands.setExecutionExceptionHandler((e, cl, parseResult) -> {
            UmonitorCli.reportError(new PrintWriter(System.err, true), e);
            return 1;
        });
        commands.setParameterExceptionHandler((e, args) -> {
            System.err.println(e.getCommandLine().getCommandName() + ": " + e.getMessage() + " (see `"
                    + e.getCommandLine().getCommandName() + " --help`)");
            return 2;
        });
        return commands;
    }

    private void execute(CommandLine commands, List<String> words) {
        running = Thread.currentThread();
        try {
            commands.execute(words.toArray(String[]::new));
        } finally {
            running = null;
            Thread.interrupted(); // a Ctrl-C that arrived as the command ended must not hit the next one
            System.out.flush();
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

    private List<String> names() {
        List<String> names = new ArrayList<>();
        monitor.unikernels().forEach(h -> names.add(h.name()));
        monitor.senders().stream().filter(s -> !names.contains(s)).forEach(names::add);
        return names;
    }

    /** Completes commands, options, backend ids, unikernel names (logs, stop, watch) and image paths (run). */
    private final class ShellCompleter implements Completer {
        private final CommandLine commands;
        private final FileNameCompleter files = new FileNameCompleter();

        ShellCompleter(CommandLine commands) {
            this.commands = commands;
        }

        @Override
        public void complete(LineReader lineReader, ParsedLine line, List<Candidate> candidates) {
            List<String> words = line.words();
            int index = line.wordIndex();
            if (index == 0) {
                commands.getSubcommands().keySet().forEach(c -> candidates.add(new Candidate(c)));
                candidates.add(new Candidate("exit"));
                return;
            }
            CommandLine sub = commands.getSubcommands().get(words.get(0));
            if (sub == null) {
                return;
            }
            String previous = words.get(index - 1);
            String current = line.word();
            CommandSpec spec = sub.getCommandSpec();
            if (previous.equals("--backend")) {
                monitor.backends().forEach((id, availability) -> candidates.add(new Candidate(id, id, null,
                        availability.isUsable() ? "usable" : "not usable here", null, null, true)));
                return;
            }
            OptionSpec option = spec.findOption(previous);
            if (option != null && option.arity().min() > 0) {
                if (option.paramLabel().contains("PATH")) {
                    files.complete(lineReader, line, candidates);
                }
                return; // a value: nothing general to offer
            }
            if (current.startsWith("-")) {
                for (OptionSpec o : spec.options()) {
                    for (String n : o.names()) {
                        candidates.add(new Candidate(n, n, null, o.description().length > 0 ? o.description()[0] : null,
                                null, null, o.arity().min() == 0));
                    }
                }
                return;
            }
            switch (words.get(0)) {
                case "run" -> files.complete(lineReader, line, candidates);
                case "watch" -> {
                    names().forEach(n -> candidates.add(new Candidate(n)));
                    candidates.add(new Candidate("all"));
                    candidates.add(new Candidate("none"));
                }
                case "logs", "stop" -> names().forEach(n -> candidates.add(new Candidate(n)));
                case "help" -> commands.getSubcommands().keySet().forEach(c -> candidates.add(new Candidate(c)));
                default -> {
                }
            }
        }
    }

    @Command(name = "", mixinStandardHelpOptions = true, scope = CommandLine.ScopeType.INHERIT,
            subcommands = {ShellRun.class, ShellPs.class, ShellLogs.class, ShellWatch.class, ShellStop.class, ShellHelp.class})
    static final class ShellCommands {
        final ShellCommand shell;

        ShellCommands(ShellCommand shell) {
            this.shell = shell;
        }
    }

    @Command(name = "help", description = "List the commands, or show one command's options: help run.")
    static final class ShellHelp implements Runnable {
        @CommandLine.ParentCommand
        ShellCommands parent;

        @CommandLine.Spec
        CommandSpec spec;

        @Parameters(arity = "0..1", paramLabel = "COMMAND")
        String command;

        @Override
        public void run() {
            Map<String, CommandLine> all = spec.parent().subcommands();
            if (command != null) {
                CommandLine c = all.get(command);
                if (c == null) {
                    throw new ConfigurationException("no command '" + command + "': `help` lists them");
                }
                c.usage(System.out);
                return;
            }
            System.out.println("Commands (each takes --help):");
            all.forEach((name, c) -> System.out.printf("  %-6s %s%n", name, c.getCommandSpec().usageMessage().description()[0]));
            System.out.printf("  %-6s %s%n", "exit", "Leave, stopping every unikernel (also Ctrl-D).");
        }
    }

    @Command(name = "run", description = "Launch a unikernel (same options as `umonitor run`); its records appear above the prompt.")
    static final class ShellRun implements Runnable {
        @CommandLine.ParentCommand
        ShellCommands parent;

        @Mixin
        SpecOptions spec;

        @Override
        public void run() {
            ShellCommand shell = parent.shell;
            UnikernelHandle h = UniqueNames.launch(shell.common.home(), shell.monitor, spec.toSpec());
            // Launching is asynchronous: wait a moment so that a launch that fails at once says so here.
            try {
                CompletableFuture.anyOf(h.termination(), runningOf(shell.monitor, h.name())).get(3, TimeUnit.SECONDS);
            } catch (TimeoutException e) {
                System.out.println("launching " + h.name() + " (" + h.backendId() + "), not running yet: its records will say");
                return;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (java.util.concurrent.ExecutionException e) {
                throw new IllegalStateException(e.getCause());
            }
            if (h.termination().isDone()) {
                ExitInfo exit = h.termination().join();
                if (exit.exitCode() < 0) {
                    throw new io.umonitor.api.LaunchException("cannot launch '" + h.name() + "': " + exit.description());
                }
                System.out.println(h.name() + " (" + h.backendId() + ") ended at once: " + TerminalText.show(exit.description())
                        + " (exit " + exit.exitCode() + ", " + exit.classification() + ")");
                return;
            }
            System.out.println("launched " + h.name() + " (" + h.backendId() + ")");
        }

        private static CompletableFuture<Void> runningOf(Monitor monitor, String name) {
            CompletableFuture<Void> running = new CompletableFuture<>();
            io.umonitor.api.LifecycleListener l = e -> {
                if (e.unikernel().equals(name) && e.state() == io.umonitor.api.UnikernelState.RUNNING) {
                    running.complete(null);
                }
            };
            monitor.addLifecycleListener(l);
            monitor.find(name).filter(h -> h.state() == io.umonitor.api.UnikernelState.RUNNING).ifPresent(h -> running.complete(null));
            running.whenComplete((v, e) -> monitor.removeLifecycleListener(l));
            return running;
        }
    }

    @Command(name = "ps", description = "List unikernels and attached senders with state and log counters.")
    static final class ShellPs implements Runnable {
        @CommandLine.ParentCommand
        ShellCommands parent;

        @Override
        public void run() {
            Monitor monitor = parent.shell.monitor;
            System.out.printf("%-16s %-8s %-8s %8s %8s %9s %6s%n", "NAME", "BACKEND", "STATE", "PID", "RESTARTS", "RECORDS", "LOST");
            List<String> launched = new ArrayList<>();
            for (UnikernelHandle h : monitor.unikernels()) {
                launched.add(h.name());
                LogStats s = h.logStats();
                String pid = h.state().isTerminal() ? "-" : monitor.details(h.name()).getOrDefault("pid", "-");
                System.out.printf("%-16s %-8s %-8s %8s %8d %9d %6d%n", h.name(), h.backendId(), h.state(), pid,
                        h.restarts(), s.received(), s.lost());
            }
            for (String sender : monitor.senders()) {
                if (!launched.contains(sender)) {
                    LogStats s = monitor.logStats(sender);
                    System.out.printf("%-16s %-8s %-8s %8s %8s %9d %6d%n", sender, "attached", "ATTACHED", "-", "-",
                            s.received(), s.lost());
                }
            }
        }
    }

    @Command(name = "logs", description = "Show the recorded logs of a unikernel; -f keeps following (Ctrl-C ends it).")
    static final class ShellLogs implements Runnable {
        @CommandLine.ParentCommand
        ShellCommands parent;

        @Parameters(paramLabel = "NAME")
        String name;

        @Option(names = {"-f", "--follow"}, description = "Keep showing new records until Ctrl-C.")
        boolean follow;

        @Option(names = "--json", description = "Print records as JSON lines.")
        boolean json;

        @Option(names = {"-n", "--tail"}, paramLabel = "N", defaultValue = "-1", description = "Only the last N records.")
        int tail;

        @Option(names = "--level", defaultValue = "TRACE", description = "Only records at least this severe.")
        String level;

        @Option(names = "--grep", paramLabel = "TEXT", description = "Only records containing TEXT.")
        String grep;

        @Override
        public void run() {
            ShellCommand shell = parent.shell;
            if (!shell.names().contains(name)) {
                throw new ConfigurationException("no unikernel or sender named '" + name + "' in this shell: `ps` lists them");
            }
            LogFilter filter = new LogFilter(LogLevel.parse(level), null, null, grep);
            List<LogRecord> records = shell.monitor.logs(name, filter);
            int from = tail < 0 ? 0 : Math.max(0, records.size() - tail);
            records.subList(from, records.size()).forEach(this::show);
            if (!follow) {
                return;
            }
            CountDownLatch never = new CountDownLatch(1);
            try (AutoCloseable following = shell.monitor.follow(name, filter, this::show)) {
                never.await(); // until Ctrl-C interrupts this thread
            } catch (InterruptedException e) {
                System.out.println("(stopped following " + name + ")");
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }

        private void show(LogRecord r) {
            ShellCommand shell = parent.shell;
            shell.above(json ? RecordJson.toCliJson(r).toString() : shell.printer.format(r));
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
            ShellCommand shell = parent.shell;
            if (!target.equals("all") && !target.equals("none") && !shell.names().contains(target)) {
                throw new ConfigurationException("no unikernel or sender named '" + target + "' in this shell: `ps` lists "
                        + "them; watch also takes all or none");
            }
            shell.watched.set(target.equals("none") ? null : target.equals("all") ? "*" : target);
            System.out.println("watching " + target);
        }
    }

    @Command(name = "stop", description = "Stop a unikernel (grace period, then kill).")
    static final class ShellStop implements Runnable {
        @CommandLine.ParentCommand
        ShellCommands parent;

        @Parameters(paramLabel = "NAME")
        String name;

        @Override
        public void run() {
            UnikernelHandle h = parent.shell.monitor.find(name).orElseThrow(() -> new ConfigurationException(
                    "no unikernel named '" + name + "' in this shell: `ps` lists them"));
            System.out.println(name + ": " + TerminalText.show(h.stop(Duration.ofSeconds(5)).description()));
        }
    }

}
