package io.umonitor.bench;

import io.umonitor.api.UnikernelHandle;
import io.umonitor.api.UnikernelSpec;
import io.umonitor.core.Monitor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;

/**
 * Launch overhead of the process backend: the same short program ({@code /bin/true}) started and
 * waited for through {@code Monitor.launch(...).termination()} and directly with {@link ProcessBuilder}.
 * Both are warmed up first, then alternated; prints the medians and their ratio on one line. The direct
 * launch does what the monitor must before it reports the exit: it closes stdin and reads stdout and
 * stderr to their end (on the calling thread, which for a program that prints nothing is the cheapest
 * way), then waits for the exit. A third launch, {@code ProcessBuilder} running {@code setsid PROGRAM} the same
 * way, shows what the guest's own session costs by itself (util-linux's setsid is one more exec): the
 * floor of the monitor's figure ({@code setsid_median_ms}, {@code setsid_ratio} against the direct one).
 *
 * <p>Usage: {@code LaunchOverhead [RUNS]} (default 40).
 */
public final class LaunchOverhead {
    private LaunchOverhead() {
    }

    public static void main(String[] args) throws Exception {
        int runs = args.length > 0 ? Integer.parseInt(args[0]) : 40;
        Path program = Path.of("/bin/true");
        Path work = Files.createTempDirectory("umonitor-bench-launch-");
        double[] viaMonitor = new double[runs];
        double[] direct = new double[runs];
        double[] directSetsid = new double[runs];
        String setsid = java.util.stream.Stream.of("/usr/bin/setsid", "/bin/setsid")
                .filter(f -> Files.isExecutable(Path.of(f))).findFirst().orElse(null);
        try (Monitor monitor = Monitor.builder().workDirectory(work).stateDirectory(work.resolve("state")).build()) {
            for (int i = -5; i < runs; i++) {   // the first five of each warm up class loading and JIT
                long t0 = System.nanoTime();
                UnikernelHandle h = monitor.launch(UnikernelSpec.builder("launch" + (i + 5), program)
                        .backend("process").build());
                h.termination().get(30, TimeUnit.SECONDS);
                long t1 = System.nanoTime();
                Process p = new ProcessBuilder(program.toString()).start();
                p.getOutputStream().close();
                p.getInputStream().readAllBytes();
                p.getErrorStream().readAllBytes();
                p.waitFor(30, TimeUnit.SECONDS);
                long t2 = System.nanoTime();
                if (setsid != null) {
                    Process q = new ProcessBuilder(setsid, program.toString()).start();
                    q.getOutputStream().close();
                    q.getInputStream().readAllBytes();
                    q.getErrorStream().readAllBytes();
                    q.waitFor(30, TimeUnit.SECONDS);
                }
                long t3 = System.nanoTime();
                if (i >= 0) {
                    viaMonitor[i] = (t1 - t0) / 1e6;
                    direct[i] = (t2 - t1) / 1e6;
                    directSetsid[i] = (t3 - t2) / 1e6;
                }
            }
        }
        try (java.util.stream.Stream<Path> left = Files.walk(work)) {
            left.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
        double m = median(viaMonitor);
        double d = median(direct);
        double ds = median(directSetsid);
        System.out.printf("launch program=%s runs=%d monitor_median_ms=%.2f direct_median_ms=%.2f ratio=%.2f "
                + "setsid_median_ms=%.2f setsid_ratio=%.2f%n", program, runs, m, d, m / d, ds, ds / d);
    }

    private static double median(double[] values) {
        double[] v = values.clone();
        Arrays.sort(v);
        return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
    }
}
