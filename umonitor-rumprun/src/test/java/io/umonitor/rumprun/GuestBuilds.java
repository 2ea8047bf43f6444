package io.umonitor.rumprun;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.umonitor.kit.host.Executables;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Builds the test guests; skips the calling test with the reason when a tool is missing. */
final class GuestBuilds {

    static final Path MODULE = Path.of(System.getProperty("basedir", ".")).toAbsolutePath();
    static final Path GUESTS = MODULE.resolve("src/test/guest");
    static final Path OUT = MODULE.resolve("target/guests");

    private GuestBuilds() {
    }

    static void assumeQemu() {
        assumeTrue(Executables.find(io.umonitor.rumprun.QemuBackend.DEFAULT_BINARY).isPresent(),
                "qemu-system-x86_64 is not installed: apt-get install qemu-system-x86 (listed in .ci/packages.txt)");
    }

    /** The C client's sources, which the multiboot guest links for its records over UDP. */
    static final Path C_CLIENT = MODULE.resolve("../umonitor-log-protocol/clients/c").normalize();

    /**
     * The multiboot test guest, compiled freestanding: gcc -m32 needs no multilib without headers or libc.
     * It links the C client (-DUMON_FREESTANDING -DUMON_FWCFG) and a virtio-net driver, so that with a NIC
     * it sends its records over UDP with the token it reads from fw_cfg; without one it uses the console.
     */
    static synchronized Path multibootGuest() throws Exception {
        assumeTrue(Executables.find("gcc").isPresent() && Executables.find("ld").isPresent(),
                "gcc and ld are needed to build the multiboot test guest: apt-get install gcc binutils");
        Path out = OUT.resolve("mbguest.elf");
        Path src = GUESTS.resolve("multiboot");
        java.nio.file.attribute.FileTime newest = newest(src);
        newest = newest.compareTo(newest(C_CLIENT)) > 0 ? newest : newest(C_CLIENT);
        if (Files.exists(out) && Files.getLastModifiedTime(out).compareTo(newest) > 0) {
            return out;
        }
        Files.createDirectories(OUT);
        // -fno-tree-loop-distribute-patterns: gcc would turn the guest's own memcpy loop into a call to memcpy.
        List<String> cflags = List.of("-m32", "-ffreestanding", "-fno-pic", "-fno-pie", "-fno-stack-protector",
                "-fno-asynchronous-unwind-tables", "-fno-tree-loop-distribute-patterns", "-nostdlib", "-O2", "-Wall",
                "-Wextra", "-Werror", "-DUMON_FREESTANDING", "-DUMON_FWCFG", "-DMBGUEST_UDP", "-I" + src, "-I" + C_CLIENT,
                "-c");
        List<Path> sources = List.of(src.resolve("boot.S"), src.resolve("mbguest.c"), src.resolve("virtio_net.c"),
                src.resolve("freestanding.c"), C_CLIENT.resolve("umonitor_log.c"), C_CLIENT.resolve("umonitor_net.c"),
                C_CLIENT.resolve("umonitor_fwcfg.c"));
        List<String> link = new ArrayList<>(List.of("ld", "-m", "elf_i386", "-nostdlib", "--no-warn-rwx-segments", "-T",
                src.resolve("link.ld").toString(), "-o", out.toString()));
        for (Path source : sources) {
            String file = source.getFileName().toString();
            Path object = OUT.resolve("mb-" + file.substring(0, file.lastIndexOf('.')) + ".o");
            run(concat(List.of("gcc"), cflags, List.of(source.toString(), "-o", object.toString())));
            link.add(object.toString());
        }
        run(link);
        return out;
    }

    /** Kernel and initramfs of the stand-in Linux guest, built by its script (the kernel is cached). */
    record LinuxGuest(Path kernel, Path initrd, String kernelVersion) {
    }

    private static LinuxGuest linuxGuest;

    /** Built once per test JVM: /init is rebuilt by the script each time, which takes seconds. */
    static synchronized LinuxGuest linuxGuest() throws Exception {
        if (linuxGuest != null) {
            return linuxGuest;
        }
        for (String tool : List.of("gcc", "cpio", "gzip", "apt-get", "dpkg")) {
            assumeTrue(Executables.find(tool).isPresent(), tool + " is needed to build the stand-in Linux guest: "
                    + "apt-get install cpio gcc libc6-dev (see .ci/packages.txt)");
        }
        Path out = OUT.resolve("linux");
        Process p = new ProcessBuilder(GUESTS.resolve("linux/build-linux-guest.sh").toString(), out.toString())
                .redirectErrorStream(true).start();
        p.getOutputStream().close();
        String log = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(300, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("build-linux-guest.sh timed out:\n" + log);
        }
        // 2: a tool is missing, 3: the kernel package cannot be downloaded; both are environment, not code.
        assumeTrue(p.exitValue() != 2 && p.exitValue() != 3, "the stand-in Linux guest cannot be built here: " + log);
        if (p.exitValue() != 0) {
            throw new AssertionError("build-linux-guest.sh failed with " + p.exitValue() + ":\n" + log);
        }
        linuxGuest = new LinuxGuest(out.resolve("vmlinuz"), out.resolve("initramfs.cpio.gz"),
                Files.readString(out.resolve("kernel-version")).strip());
        return linuxGuest;
    }

    private static java.nio.file.attribute.FileTime newest(Path dir) throws IOException {
        java.nio.file.attribute.FileTime newest = java.nio.file.attribute.FileTime.fromMillis(0);
        try (var files = Files.list(dir)) {
            for (Path p : files.toList()) {
                java.nio.file.attribute.FileTime t = Files.getLastModifiedTime(p);
                newest = t.compareTo(newest) > 0 ? t : newest;
            }
        }
        return newest;
    }

    @SafeVarargs
    private static List<String> concat(List<String>... parts) {
        List<String> all = new ArrayList<>();
        for (List<String> p : parts) {
            all.addAll(p);
        }
        return all;
    }

    static String run(List<String> command) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("timed out: " + command);
        }
        if (p.exitValue() != 0) {
            throw new AssertionError("failed with " + p.exitValue() + ": " + command + "\n" + out);
        }
        return out;
    }
}
