package io.umonitor.examples.cli;

import io.umonitor.core.Monitor;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.Option;

/** Options every command that holds a monitor shares. */
final class CommonOptions {
    @Option(names = "--home", paramLabel = "DIR",
            description = "Where logs, state and control sockets live (default: $UMONITOR_HOME or ~/.local/state/umonitor).")
    Path home;

    @Option(names = "--log-dir", paramLabel = "DIR", description = "Per-unikernel log files (default: HOME/logs).")
    Path logDirectory;

    @Option(names = "--json-files", description = "Write only JSON Lines log files (NAME.jsonl), no text NAME.log.")
    boolean jsonFiles;

    @Option(names = {"-D", "--set"}, paramLabel = "ID.KEY=VALUE",
            description = "A provider setting, e.g. -D tap.pool=10.77.0.0/16 or -D qemu.accel=tcg.")
    Map<String, String> settings = new LinkedHashMap<>();

    @Option(names = "--metrics", paramLabel = "ADDRESS",
            description = "Serve Prometheus metrics at http://ADDRESS/metrics (PORT binds loopback; HOST:PORT another interface).")
    String metrics;

    UmonitorHome home() {
        return UmonitorHome.resolve(home);
    }

    Path logDirectory() {
        return logDirectory != null ? logDirectory.toAbsolutePath() : home().logs();
    }

    /** A monitor with the file sink on the log directory plus whatever the classpath provides. */
    Monitor.Builder monitorBuilder() {
        UmonitorHome h = home();
        Monitor.Builder builder = Monitor.builder()
                .stateDirectory(h.state())
                .property("file.directory", logDirectory().toString())
                .property("file.format", jsonFiles ? "json" : "text")
                .properties(settings);
        // `logs` reads JSON Lines (exact types); with text files it gets them from a companion file.
        return jsonFiles ? builder : builder.sink(new JsonLinesCompanion(logDirectory()));
    }
}
