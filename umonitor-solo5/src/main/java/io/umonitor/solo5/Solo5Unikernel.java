package io.umonitor.solo5;

import io.umonitor.api.ExitInfo;
import io.umonitor.api.spi.LaunchedUnikernel;
import io.umonitor.core.process.SupervisedProcess;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;

/** A running tender: the backend's side of one Solo5 unikernel. */
final class Solo5Unikernel implements LaunchedUnikernel {

    private static final Path PROC = Path.of("/proc");

    private final SupervisedProcess process;
    private final ConsoleParser parser;
    private final Map<String, String> staticDetails;
    private final Map<String, String> taps;
    private final CompletableFuture<ExitInfo> exit;

    /**
     * @param staticDetails facts fixed at launch (tender, command, gdb)
     * @param taps spec device name to tap interface, for byte counters
     */
    Solo5Unikernel(SupervisedProcess process, ConsoleParser parser, Solo5Options options, int memoryMb,
            Map<String, String> staticDetails, Map<String, String> taps) {
        this.process = process;
        this.parser = parser;
        this.staticDetails = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(staticDetails));
        this.taps = Map.copyOf(taps);
        this.exit = process.exit().thenApply(end -> ExitClassifier.classify(end.exitValue(), end.signal(),
                end.stopRequested(), parser.facts(), options.mirage(), memoryMb));
    }

    @Override
    public OptionalLong pid() {
        return OptionalLong.of(process.pid());
    }

    @Override
    public CompletableFuture<ExitInfo> exit() {
        return exit;
    }

    /**
     * SIGTERM, then SIGKILL after {@code grace}. The hvt tender handles SIGTERM (exits 1 with "Exiting
     * on signal 15"); spt has no handler and dies of it at once.
     */
    @Override
    public void stop(Duration grace) {
        process.stop(grace);
    }

    @Override
    public void kill() {
        process.kill();
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
