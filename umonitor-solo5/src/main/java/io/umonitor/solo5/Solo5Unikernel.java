package io.umonitor.solo5;

import io.umonitor.kit.process.ProcessUnikernel;
import io.umonitor.kit.process.SupervisedProcess;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A running tender: the backend's side of one Solo5 unikernel. Stopping is SIGTERM, then SIGKILL after the
 * grace period: the hvt tender handles SIGTERM (exits 1 with "Exiting on signal 15"); spt has no handler
 * and dies of it at once.
 */
final class Solo5Unikernel extends ProcessUnikernel {

    private static final Path PROC = Path.of("/proc");

    private final ConsoleParser parser;
    private final Map<String, String> staticDetails;
    private final Map<String, String> taps;

    /**
     * @param staticDetails facts fixed at launch (tender, command, gdb)
     * @param taps spec device name to tap interface, for byte counters
     */
    Solo5Unikernel(SupervisedProcess process, ConsoleParser parser, Solo5Options options, int memoryMb,
            Map<String, String> staticDetails, Map<String, String> taps) {
        super(process, end -> ExitClassifier.classify(end.exitValue(), end.signal(),
                end.stopRequested(), parser.facts(), options.mirage(), memoryMb));
        this.parser = parser;
        this.staticDetails = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(staticDetails));
        this.taps = Map.copyOf(taps);
    }

    /**
     * Launch facts ({@code tender}, {@code tender-version}, {@code abi}, {@code command} with the token
     * masked, {@code gdb} in debug mode, {@code namespace}, {@code cpus}), what the console said
     * ({@code bindings-version}, {@code memory-mb} from Solo5's banner) and, while the tender runs, its
     * resource use ({@code cpu-time-ms}, {@code rss-kb}, {@code net.DEVICE.guest-rx-bytes},
     * {@code net.DEVICE.guest-tx-bytes}).
     */
    @Override
    public Map<String, String> details() {
        Map<String, String> details = new LinkedHashMap<>(staticDetails);
        ConsoleParser.Facts facts = parser.facts();
        facts.bindingsVersion().ifPresent(v -> details.put("bindings-version", v));
        facts.memoryMb().ifPresent(mb -> details.put("memory-mb", Integer.toString(mb)));
        if (process.isAlive()) {
            details.putAll(ResourceUsage.read(PROC, process.pid(), taps));
        }
        return details;
    }
}
