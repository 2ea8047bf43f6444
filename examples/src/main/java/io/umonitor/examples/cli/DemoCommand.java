package io.umonitor.examples.cli;

import io.umonitor.core.sink.Escaping;
import io.umonitor.api.ExitInfo;
import io.umonitor.api.LaunchException;
import io.umonitor.api.LogFilter;
import io.umonitor.api.LogStats;
import io.umonitor.api.RestartPolicy;
import io.umonitor.api.UnikernelHandle;
import io.umonitor.api.NetworkSpec;
import io.umonitor.api.UnikernelSpec;
import io.umonitor.core.Monitor;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "demo", description = {
        "Build sample guests with gcc and the C log client and show their logs as they run.",
        "Several guests log at once at different levels, one crashes and is restarted; where",
        "qemu-system-x86_64 is installed, one more guest boots as a real VM under QEMU."})
final class DemoCommand implements Callable<Integer> {
    private static final String[] C_SOURCES = {"umonitor_log.c", "umonitor_log.h"};

    @Mixin
    CommonOptions common;

    @Option(names = "--cc", defaultValue = "gcc", description = "C compiler for the sample guests (default: ${DEFAULT-VALUE}).")
    String compiler;

    @Override
    public Integer call() throws Exception {
        Path build = common.home().root().resolve("demo");
        Path guest = buildGuest(build);
        Path logs = common.logDirectory();
        System.err.println("demo: guests built in " + build + "; logs go to " + logs);

        RecordPrinter printer = new RecordPrinter(System.out, RecordPrinter.terminalSupportsColour(), true);
        List<UnikernelHandle> handles = new ArrayList<>();
        try (Monitor monitor = common.monitorBuilder().stopGrace(Duration.ofSeconds(2)).build();
             ControlServer control = ControlServer.start(common.home().control(), new MonitorControlTarget(monitor, "demo", common.logDirectory()))) {
            try (AutoCloseable following = monitor.follow(null, LogFilter.ALL, printer::print)) {
                handles.add(monitor.launch(spec("sensor-1", guest, "sensor", "20").build()));
                handles.add(monitor.launch(spec("sensor-2", guest, "sensor", "16").build()));
                handles.add(monitor.launch(spec("web-1", guest, "web", "24").build()));
                handles.add(monitor.launch(spec("console-1", guest, "console", "10").build()));
                handles.add(monitor.launch(spec("crashy", guest, "crashy", "0")
                        .restartPolicy(RestartPolicy.onFailure(2, Duration.ofMillis(500), Duration.ofSeconds(2))).build()));
                vmGuest(monitor, build).ifPresent(vm -> handles.add(monitor.launch(
                        // No backend named: the multiboot header makes it QEMU's.
                        UnikernelSpec.builder("vm-1", vm).argument("test.records=5").network(NetworkSpec.user("net0")).build())));
                CompletableFuture.allOf(handles.stream().map(UnikernelHandle::termination).toArray(CompletableFuture[]::new))
                        .get(60, TimeUnit.SECONDS);
            }
            System.out.println();
            System.out.printf("%-10s %-8s %8s %-52s %8s %6s%n", "NAME", "STATE", "RESTARTS", "EXIT", "RECORDS", "LOST");
            for (UnikernelHandle h : handles) {
                ExitInfo exit = h.termination().join();
                LogStats s = h.logStats();
                System.out.printf("%-10s %-8s %8d %-52s %8d %6d%n", h.name(), h.state(), h.restarts(),
                        truncate(exit.exitCode() + " " + exit.classification() + ": " + exit.description(), 52),
                        s.received(), s.lost());
            }
        }
        String jar = "java -jar examples/target/umonitor.jar";
        System.out.println();
        System.out.println("Per-guest log files are in " + logs + ":");
        try (var files = Files.list(logs)) {
            files.sorted().forEach(f -> System.out.println("  " + f.getFileName()));
        }
        System.out.println("Look at them with:");
        System.out.println("  " + jar + " logs crashy                 # one guest's whole story: launches, records, crash, restarts");
        System.out.println("  " + jar + " logs web-1 --level WARN     # only warnings and errors");
        System.out.println("  " + jar + " logs sensor-1 --grep 23.    # text search");
        System.out.println("  " + jar + " shell                       # run guests interactively and switch between their logs");
        return 0;
    }

    /**
     * The freestanding multiboot guest (no libc: gcc -m32 and ld alone), where qemu-system-x86_64 is usable;
     * otherwise says how to get it and the demo runs without a VM.
     */
    private java.util.Optional<Path> vmGuest(Monitor monitor, Path build) throws IOException, InterruptedException {
        var qemu = monitor.backends().get("qemu");
        if (qemu == null || !qemu.isUsable()) {
            System.err.println("demo: no VM this time: the qemu backend cannot run here ("
                    + (qemu == null ? "umonitor-rumprun is not on the classpath" : qemu.reason())
                    + "); install QEMU (apt-get install qemu-system-x86) to also see a unikernel boot under QEMU");
            return java.util.Optional.empty();
        }
        try {
            return java.util.Optional.of(buildMultibootGuest(build.resolve("multiboot"), compiler));
        } catch (IOException e) {
            System.err.println("demo: no VM this time: " + e.getMessage());
            return java.util.Optional.empty();
        }
    }

    /**
     * Builds the freestanding multiboot guest from the sources in the jar into {@code dir}, unless already
     * built from the same sources; also what the tests that boot the demo's VM build. With the C client built
     * freestanding, the guest sends its records by UDP over its virtio NIC, with the token its client reads
     * from QEMU's fw_cfg (the token is on no command line).
     *
     * @throws IOException naming the build step that failed and its output
     */
    static Path buildMultibootGuest(Path dir, String compiler) throws IOException, InterruptedException {
        Files.createDirectories(dir);
        boolean changed = false;
        List<String> objects = List.of("boot.S", "mbguest.c", "virtio_net.c", "freestanding.c", "umonitor_log.c",
                "umonitor_net.c", "umonitor_fwcfg.c");
        for (String source : List.of("boot.S", "mbguest.c", "link.ld", "virtio_net.c", "virtio_net.h", "freestanding.c",
                "freestanding.h")) {
            changed |= extract("demo/multiboot/" + source, dir.resolve(source));
        }
        for (String source : List.of("umonitor_log.c", "umonitor_log.h", "umonitor_net.c", "umonitor_net.h",
                "umonitor_fwcfg.c", "umonitor_fwcfg.h")) {
            changed |= extract("demo/c/" + source, dir.resolve(source));
        }
        Path kernel = dir.resolve("mbguest.elf");
        if (!changed && Files.exists(kernel)) {
            return kernel;
        }
        List<String> cflags = List.of("-m32", "-ffreestanding", "-fno-pic", "-fno-pie", "-fno-stack-protector",
                "-fno-asynchronous-unwind-tables", "-fno-tree-loop-distribute-patterns", "-nostdlib", "-O2",
                "-DUMON_FREESTANDING", "-DUMON_FWCFG", "-DMBGUEST_UDP", "-I" + dir, "-c");
        List<List<String>> steps = new ArrayList<>();
        List<String> link = new ArrayList<>(List.of("ld", "-m", "elf_i386", "-nostdlib", "--no-warn-rwx-segments", "-T",
                dir.resolve("link.ld").toString(), "-o", kernel.toString()));
        for (String source : objects) {
            String object = dir.resolve(source.substring(0, source.lastIndexOf('.')) + ".o").toString();
            steps.add(concat(List.of(compiler), cflags, List.of(dir.resolve(source).toString(), "-o", object)));
            link.add(object);
        }
        steps.add(link);
        for (List<String> step : steps) {
            Process p = new ProcessBuilder(step).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (p.waitFor() != 0) {
                throw new IOException("building the multiboot guest failed (" + String.join(" ", step) + "): "
                        + out.strip() + "; it needs gcc and binutils that can target i386");
            }
        }
        return kernel;
    }

    @SafeVarargs
    private static List<String> concat(List<String>... parts) {
        List<String> all = new ArrayList<>();
        for (List<String> p : parts) {
            all.addAll(p);
        }
        return all;
    }

    private UnikernelSpec.Builder spec(String name, Path guest, String role, String rounds) {
        return UnikernelSpec.builder(name, guest).backend("process").argument(role).argument(rounds);
    }

    private static String truncate(String s, int max) {
        String escaped = Escaping.escape(s);
        return escaped.length() <= max ? escaped : escaped.substring(0, max - 3) + "...";
    }

    /** Writes the guest and C client sources out of the jar and compiles them, unless already built. */
    private Path buildGuest(Path build) throws IOException, InterruptedException {
        Files.createDirectories(build);
        boolean changed = extract("demo/guest.c", build.resolve("guest.c"));
        for (String source : C_SOURCES) {
            changed |= extract("demo/c/" + source, build.resolve(source));
        }
        Path binary = build.resolve("demo-guest");
        if (!changed && Files.isExecutable(binary)) {
            return binary;
        }
        List<String> command = List.of(compiler, "-std=c99", "-D_POSIX_C_SOURCE=200809L", "-O2", "-Wall",
                "-o", binary.toString(), build.resolve("guest.c").toString(), build.resolve("umonitor_log.c").toString(),
                "-lpthread");
        Process cc;
        try {
            cc = new ProcessBuilder(command).redirectErrorStream(true).start();
        } catch (IOException e) {
            throw new LaunchException("the demo compiles its sample guests with '" + compiler
                    + "', which cannot be run (" + e.getMessage() + "): install gcc (apt-get install gcc) or pass --cc");
        }
        String output = new String(cc.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (cc.waitFor() != 0) {
            throw new LaunchException("compiling the demo guests failed (" + String.join(" ", command) + "):\n" + output);
        }
        return binary;
    }

    private static boolean extract(String resource, Path target) throws IOException {
        try (InputStream in = DemoCommand.class.getClassLoader().getResourceAsStream(resource)) {
            if (in == null) {
                throw new IOException("resource " + resource + " is missing from the umonitor jar: rebuild it with mvn package");
            }
            byte[] bytes = in.readAllBytes();
            if (Files.exists(target) && java.util.Arrays.equals(Files.readAllBytes(target), bytes)) {
                return false;
            }
            Path tmp = target.resolveSibling(target.getFileName() + ".tmp");
            Files.write(tmp, bytes);
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            return true;
        }
    }
}
