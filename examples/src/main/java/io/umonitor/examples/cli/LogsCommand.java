package io.umonitor.examples.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.umonitor.api.LogFilter;
import io.umonitor.api.LogLevel;
import io.umonitor.api.LogRecord;
import io.umonitor.core.sink.FileSink;
import io.umonitor.protocol.trace.AddressSymbolizer;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "logs", description = {
        "Show the logs of a unikernel: from the running umonitor that holds it, else from its log file."})
final class LogsCommand implements Callable<Integer> {
    @Parameters(paramLabel = "NAME")
    String name;

    @Option(names = {"-f", "--follow"}, description = "Keep showing new records as they arrive.")
    boolean follow;

    @Option(names = "--level", defaultValue = "TRACE", description = "Only records at least this severe (default: ${DEFAULT-VALUE}).")
    String level;

    @Option(names = "--grep", paramLabel = "TEXT", description = "Only records whose message, logger or attributes contain TEXT (case-insensitive).")
    String grep;

    @Option(names = "--json", description = "Print records as JSON lines.")
    boolean json;

    @Option(names = "--image", paramLabel = "PATH",
            description = "The unikernel's image: trace records then name functions and source lines.")
    Path image;

    @Option(names = "--home", paramLabel = "DIR", description = "As for run.")
    Path home;

    @Option(names = "--log-dir", paramLabel = "DIR", description = "Where to look for log files (default: HOME/logs).")
    Path logDirectory;

    @Override
    public Integer call() throws Exception {
        LogFilter filter = new LogFilter(LogLevel.parse(level), null, null, grep);
        RecordPrinter printer = new RecordPrinter(System.out, !json && RecordPrinter.terminalSupportsColour(), false,
                image == null ? null : AddressSymbolizer.forImage(image));
        UmonitorHome h = UmonitorHome.resolve(home);
        ControlClient client = new ControlClient(h.control());
        String serverError = null;
        for (Path socket : client.liveSockets()) {
            boolean[] found = {false};
            String[] error = {null};
            client.request(socket, RecordJson.MAPPER.createObjectNode().put("op", "logs").put("name", name)
                    .put("level", filter.minimumLevel().name()).put("grep", grep).put("follow", follow), reply -> {
                        if (reply.has("record")) {
                            found[0] = true;
                            show(RecordJson.fromJson(reply.get("record")), printer);
                            return true;
                        }
                        found[0] |= reply.has("end");
                        error[0] = reply.path("error").asText(null);
                        return false;
                    });
            if (found[0]) {
                return 0;
            }
            if (error[0] != null && !error[0].startsWith("no unikernel named")) {
                serverError = error[0];
            }
        }
        if (serverError != null) {
            System.err.println("umonitor: the running monitor could not answer: " + serverError);
        }
        return fromFile(logDirectory != null ? logDirectory : h.logs(), filter, printer);
    }

    private void show(LogRecord r, RecordPrinter printer) {
        if (json) {
            System.out.println(RecordJson.toJson(r));
        } else {
            printer.print(r);
        }
    }

    /** No running monitor holds NAME: read what its file sink wrote, JSON Lines preferred (it is lossless). */
    private int fromFile(Path directory, LogFilter filter, RecordPrinter printer) throws IOException, InterruptedException {
        Path jsonFile = new FileSink(directory, FileSink.Format.JSON, FileSink.DEFAULT_MAX_BYTES, FileSink.DEFAULT_KEEP).fileOf(name);
        Path textFile = new FileSink(directory, FileSink.Format.TEXT, FileSink.DEFAULT_MAX_BYTES, FileSink.DEFAULT_KEEP).fileOf(name);
        boolean isJson = Files.exists(jsonFile);
        Path file = isJson ? jsonFile : textFile;
        if (!Files.exists(file)) {
            System.err.println("no running umonitor holds '" + name + "' and there is no log file " + textFile
                    + " or " + jsonFile + ": see `umonitor ps`, or pass --log-dir");
            return 1;
        }
        try (BufferedReader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            while (true) {
                String line = in.readLine();
                if (line == null) {
                    if (!follow) {
                        return 0;
                    }
                    Thread.sleep(200); // tailing a file: there is nothing to wait on but time
                    continue;
                }
                if (isJson) {
                    JsonNode node = RecordJson.MAPPER.readTree(line);
                    LogRecord r = RecordJson.fromJson(node);
                    if (filter.matches(r)) {
                        show(r, printer);
                    }
                } else if (textLineMatches(line, filter)) {
                    System.out.println(line); // already escaped by the file sink
                }
            }
        }
    }

    /** Text lines are "TIMESTAMP LEVEL origin ...": the level is the second word. */
    static boolean textLineMatches(String line, LogFilter filter) {
        String[] words = line.split(" +", 3);
        if (words.length >= 2) {
            try {
                if (!LogLevel.valueOf(words[1]).isAtLeast(filter.minimumLevel())) {
                    return false;
                }
            } catch (IllegalArgumentException e) {
                // not a record line: keep it
            }
        }
        return filter.text() == null || line.toLowerCase(java.util.Locale.ROOT).contains(filter.text().toLowerCase(java.util.Locale.ROOT));
    }
}
