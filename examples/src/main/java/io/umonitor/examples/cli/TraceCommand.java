package io.umonitor.examples.cli;

import io.umonitor.core.sink.Escaping;
import com.fasterxml.jackson.databind.JsonNode;
import io.umonitor.api.LogFilter;
import io.umonitor.api.LogLevel;
import io.umonitor.api.LogRecord;
import io.umonitor.core.sink.FileSink;
import io.umonitor.protocol.trace.AddressSymbolizer;
import io.umonitor.protocol.trace.CallTree;
import java.io.BufferedReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "trace", description = {
        "Print the call tree of a traced unikernel, with function names and source lines.",
        "The unikernel is built with -finstrument-functions and the C client's tracing hooks; names and",
        "source lines are read from its image."})
final class TraceCommand implements Callable<Integer> {
    @Parameters(paramLabel = "NAME")
    String name;

    @Option(names = "--image", paramLabel = "PATH", required = true,
            description = "The unikernel's image (an ELF file with symbols; addr2line adds source lines).")
    Path image;

    @Option(names = "--function", paramLabel = "NAME",
            description = "Only the calls of this function with everything they called: one request's tree.")
    String function;

    @Option(names = "--home", paramLabel = "DIR", description = "As for run.")
    Path home;

    @Option(names = "--log-dir", paramLabel = "DIR", description = "Where to look for JSON log files (default: HOME/logs).")
    Path logDirectory;

    @Override
    public Integer call() throws Exception {
        List<LogRecord> records = records();
        if (records == null) {
            System.err.println("umonitor: no running umonitor holds '" + name + "' and there is no JSON log file for it: "
                    + "tracing needs the records' attributes, so trace it while it runs or run it with --json-files");
            return 1;
        }
        AddressSymbolizer symbols = AddressSymbolizer.forImage(image);
        CallTree tree = CallTree.build(TraceView.framesOf(records), symbols);
        if (function == null) {
            System.out.print(tree.render());
            return 0;
        }
        StringBuilder out = new StringBuilder();
        tree.roots().forEach(root -> select(root, out));
        if (out.length() == 0) {
            System.err.println("umonitor: no call of '" + function + "' in the trace of " + name);
            return 1;
        }
        System.out.print(out);
        return 0;
    }

    /** Renders each call of {@link #function} (not nested ones twice) with its callees. */
    private void select(CallTree.Call call, StringBuilder out) {
        if (call.function().function().equals(function)) {
            render(call, 0, out);
            return;
        }
        call.children().forEach(child -> select(child, out));
    }

    private static void render(CallTree.Call call, int depth, StringBuilder out) {
        out.append("  ".repeat(depth)).append(Escaping.escape(call.function().toString()));
        call.exitNanos().ifPresent(exit -> out.append(String.format("  %.3f ms", (exit - call.enterNanos()) / 1e6)));
        out.append('\n');
        call.children().forEach(child -> render(child, depth + 1, out));
    }

    /** TRACE records from the monitor that holds NAME, else from its JSON Lines file; null if neither. */
    private List<LogRecord> records() throws Exception {
        UmonitorHome h = UmonitorHome.resolve(home);
        ControlClient client = new ControlClient(h.control());
        for (Path socket : client.liveSockets()) {
            List<LogRecord> found = new ArrayList<>();
            boolean[] answered = {false};
            client.request(socket, RecordJson.MAPPER.createObjectNode().put("op", "logs").put("name", name)
                    .put("level", "TRACE").put("follow", false), reply -> {
                        if (reply.has("record")) {
                            found.add(RecordJson.fromJson(reply.get("record")));
                            return true;
                        }
                        answered[0] = reply.has("end");
                        return false;
                    });
            if (answered[0]) {
                return found;
            }
        }
        Path directory = logDirectory != null ? logDirectory : h.logs();
        Path file = new FileSink(directory, FileSink.Format.JSON, FileSink.DEFAULT_MAX_BYTES, FileSink.DEFAULT_KEEP).fileOf(name);
        if (!Files.exists(file)) {
            return null;
        }
        List<LogRecord> found = new ArrayList<>();
        LogFilter traces = LogFilter.atLeast(LogLevel.TRACE);
        try (BufferedReader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            for (String line = in.readLine(); line != null; line = in.readLine()) {
                JsonNode node = RecordJson.MAPPER.readTree(line);
                LogRecord r = RecordJson.fromJson(node);
                if (traces.matches(r)) {
                    found.add(r);
                }
            }
        }
        return found;
    }
}
