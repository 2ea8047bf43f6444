package io.umonitor.examples.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.umonitor.api.ConfigurationException;
import io.umonitor.api.LogFilter;
import io.umonitor.api.LogLevel;
import io.umonitor.api.LogRecord;
import io.umonitor.protocol.trace.AddressSymbolizer;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "logs", description = {
        "Show the logs of one or more unikernels (or --all), merged by time.",
        "Reads each one's log file (the exact JSON Lines file NAME.jsonl the command line keeps next to",
        "NAME.log, or NAME.log itself) and, for a unikernel a running umonitor holds, what it has not yet",
        "written; -f then keeps following. Same format live or from files; --json is always JSON."},
        sortOptions = false)
final class LogsCommand implements Callable<Integer> {
    @Parameters(paramLabel = "NAME", arity = "0..*", description = "Unikernel or attached sender names.")
    List<String> names = new ArrayList<>();

    @Option(names = {"-a", "--all"}, description = "Every unikernel and sender with a log here or in a running umonitor.")
    boolean all;

    @Option(names = {"-f", "--follow"}, description = "Keep showing new records as they arrive.")
    boolean follow;

    @Option(names = {"-n", "--tail"}, paramLabel = "N", defaultValue = "-1",
            description = "Only the last N records (after the other filters).")
    int tail;

    @Option(names = "--since", paramLabel = "WHEN",
            description = "Only records from then on: a duration back from now (10m, 30s, 2h, 1d) or a time (09:30, 2026-12-03T09:30:00, ...Z for UTC).")
    String since;

    @Option(names = "--until", paramLabel = "WHEN", description = "Only records before then (same forms as --since).")
    String until;

    @Option(names = {"-t", "--timestamps"}, description = "Full date and time with microseconds (UTC) instead of the local time of day.")
    boolean timestamps;

    @Option(names = "--level", defaultValue = "TRACE", description = "Only records at least this severe (default: ${DEFAULT-VALUE}).")
    String level;

    @Option(names = "--grep", paramLabel = "TEXT", description = "Only records whose message, logger or attributes contain TEXT (case-insensitive).")
    String grep;

    @Option(names = "--json", description = "Print records as JSON lines (attributes as an object keyed by name, plus attributeTypes).")
    boolean json;

    @Option(names = "--image", paramLabel = "PATH",
            description = "The unikernel's image: trace records then name functions and source lines.")
    Path image;

    @Option(names = "--home", paramLabel = "DIR", description = "As for run.")
    Path home;

    @Option(names = "--log-dir", paramLabel = "DIR", description = "Where to look for log files (default: HOME/logs and those of running umonitors).")
    Path logDirectory;

    private RecordPrinter printer;

    /** A running command's control socket and the names it holds. */
    private record Live(Path socket, Set<String> names) {
    }

    @Override
    public Integer call() throws Exception {
        if (names.isEmpty() && !all) {
            throw new ConfigurationException("name the unikernel(s) whose logs to show, e.g. `umonitor logs web-1`, "
                    + "or pass --all; `umonitor ps -a` lists them");
        }
        if (tail < -1) {
            throw new ConfigurationException("--tail " + tail + " is negative: give the number of records to show");
        }
        Instant now = Instant.now();
        Instant from = since == null ? null : TimeSpec.parse("--since", since, now, ZoneId.systemDefault());
        Instant to = until == null ? null : TimeSpec.parse("--until", until, now, ZoneId.systemDefault());
        LogFilter filter = new LogFilter(LogLevel.parse(level), null, null, grep);

        UmonitorHome h = UmonitorHome.resolve(home);
        ControlClient client = new ControlClient(h.control());
        List<Live> live = new ArrayList<>();
        Set<Path> directories = new LinkedHashSet<>();
        directories.add(logDirectory != null ? logDirectory.toAbsolutePath() : h.logs());
        for (Path socket : client.liveSockets()) {
            JsonNode ps = client.requestOne(socket, RecordJson.MAPPER.createObjectNode().put("op", "ps"));
            if (ps == null) {
                continue;
            }
            Set<String> held = new LinkedHashSet<>();
            ps.path("unikernels").forEach(u -> held.add(u.path("name").asText()));
            ps.path("attached").forEach(u -> held.add(u.path("name").asText()));
            live.add(new Live(socket, held));
            if (logDirectory == null && ps.hasNonNull("logDirectory")) {
                directories.add(Path.of(ps.get("logDirectory").asText()));
            }
        }
        List<LogFiles> files = directories.stream().map(LogFiles::new).toList();

        Set<String> wanted = new LinkedHashSet<>(names);
        if (all) {
            live.forEach(l -> wanted.addAll(l.names()));
            files.forEach(f -> wanted.addAll(f.names()));
        }
        for (String name : wanted) {
            boolean known = live.stream().anyMatch(l -> l.names().contains(name)) || files.stream().anyMatch(f -> f.has(name));
            if (!known) {
                throw new ConfigurationException("no running umonitor holds '" + name + "' and there is no log file for it in "
                        + directories + ": see `umonitor ps -a`, or pass --log-dir");
            }
        }
        printer = new RecordPrinter(System.out, !json && RecordPrinter.terminalSupportsColour(), wanted.size() > 1 || all,
                image == null ? null : AddressSymbolizer.forImage(image)).withFullTimestamps(timestamps);

        // Follow first (into a queue), then read what is stored: nothing falls between the two.
        LinkedBlockingQueue<LogRecord> arriving = new LinkedBlockingQueue<>();
        List<Thread> followers = new ArrayList<>();
        if (follow) {
            for (Live l : live) {
                followers.add(followSocket(client, l.socket(), wanted, filter, arriving));
            }
        }

        Map<String, Instant> lastShown = new ConcurrentHashMap<>();
        List<LogRecord> merged = new ArrayList<>();
        for (String name : wanted) {
            // A running monitor's history is authoritative for what it still holds; the file adds what the
            // history no longer has (records older than its oldest one). History first, file second: the
            // monitor keeps a record in its history before its file sink writes it, so the file read later
            // has every record older than the history's oldest. Read the other way round, a record written
            // to the file after it was read and pushed out of the history before it was asked for would
            // be in neither.
            List<LogRecord> history = new ArrayList<>();
            for (Live l : live) {
                if (l.names().contains(name)) {
                    history.addAll(history(client, l.socket(), name));
                }
            }
            List<LogRecord> stored = new ArrayList<>();
            for (LogFiles f : files) {
                if (f.has(name)) {
                    stored.addAll(f.read(name));
                    break;
                }
            }
            if (!history.isEmpty()) {
                Instant oldest = history.get(0).receivedAt().truncatedTo(java.time.temporal.ChronoUnit.MICROS);
                stored.removeIf(r -> !r.receivedAt().isBefore(oldest));
                stored.addAll(history);
            }
            merged.addAll(stored);
        }
        merged.sort(Comparator.comparing(LogRecord::receivedAt)); // stable: one guest's equal times keep their order
        ArrayDeque<LogRecord> shown = new ArrayDeque<>();
        for (LogRecord r : merged) {
            if (matches(r, filter, from, to)) {
                shown.addLast(r);
                if (tail >= 0 && shown.size() > tail) {
                    shown.removeFirst();
                }
            }
            lastShown.merge(r.unikernel(), r.receivedAt(), (a, b) -> a.isAfter(b) ? a : b);
        }
        shown.forEach(this::show);
        System.out.flush();
        if (!follow) {
            return 0;
        }
        // Names no running monitor holds: follow their files.
        Map<String, Path> tailed = new LinkedHashMap<>();
        for (String name : wanted) {
            if (live.stream().noneMatch(l -> l.names().contains(name))) {
                files.stream().filter(f -> f.has(name)).findFirst().ifPresent(f -> tailed.put(name, f.current(name)));
            }
        }
        if (!tailed.isEmpty()) {
            followers.add(followFiles(tailed, arriving));
        }
        if (followers.isEmpty()) {
            return 0;
        }
        while (true) {
            LogRecord r = arriving.take();
            Instant last = lastShown.get(r.unikernel());
            if (last != null && !r.receivedAt().isAfter(last)) {
                continue; // already shown from the history
            }
            lastShown.put(r.unikernel(), r.receivedAt());
            if (matches(r, filter, from, to)) {
                show(r);
            }
        }
    }

    private static boolean matches(LogRecord r, LogFilter filter, Instant from, Instant to) {
        return filter.matches(r) && (from == null || !r.receivedAt().isBefore(from)) && (to == null || r.receivedAt().isBefore(to));
    }

    private void show(LogRecord r) {
        if (json) {
            printer.printLine(RecordJson.toCliJson(r).toString());
        } else {
            printer.print(r);
        }
    }

    private static List<LogRecord> history(ControlClient client, Path socket, String name) {
        List<LogRecord> out = new ArrayList<>();
        try {
            client.request(socket, RecordJson.MAPPER.createObjectNode().put("op", "logs").put("name", name)
                    .put("level", "TRACE").put("follow", false), reply -> {
                        if (reply.has("record")) {
                            out.add(RecordJson.fromJson(reply.get("record")));
                            return true;
                        }
                        return false;
                    });
        } catch (IOException e) {
            // that monitor is ending; its file has what it wrote
        }
        return out;
    }

    private static Thread followSocket(ControlClient client, Path socket, Set<String> wanted, LogFilter filter,
                                       LinkedBlockingQueue<LogRecord> into) {
        Thread t = new Thread(() -> {
            try {
                client.request(socket, RecordJson.MAPPER.createObjectNode().put("op", "logs").put("name", "*")
                        .put("level", "TRACE").put("follow", true), reply -> {
                            if (reply.has("record")) {
                                LogRecord r = RecordJson.fromJson(reply.get("record"));
                                if (wanted.contains(r.unikernel())) {
                                    into.add(r);
                                }
                                return true;
                            }
                            return !reply.has("error");
                        });
            } catch (IOException e) {
                // the monitor ended
            }
        }, "umonitor-logs-follow");
        t.setDaemon(true);
        t.start();
        return t;
    }

    private static Thread followFiles(Map<String, Path> files, LinkedBlockingQueue<LogRecord> into) {
        Map<String, Long> offsets = new LinkedHashMap<>();
        files.forEach((name, file) -> offsets.put(name, file.toFile().length()));
        Thread t = new Thread(() -> {
            while (true) {
                for (Map.Entry<String, Path> e : files.entrySet()) {
                    try {
                        offsets.put(e.getKey(), LogFiles.readFrom(e.getKey(), e.getValue(), offsets.get(e.getKey()), into::add));
                    } catch (IOException ex) {
                        // the file is being rotated; read it again next round
                    }
                }
                try {
                    Thread.sleep(200); // a file gives no signal when it grows: poll
                } catch (InterruptedException ex) {
                    return;
                }
            }
        }, "umonitor-logs-tail");
        t.setDaemon(true);
        t.start();
        return t;
    }
}
