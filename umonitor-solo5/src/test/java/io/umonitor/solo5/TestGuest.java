package io.umonitor.solo5;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.umonitor.api.Attribute;
import io.umonitor.api.GuestClock;
import io.umonitor.api.LogLevel;
import io.umonitor.kit.process.ToolRunner;
import io.umonitor.protocol.FrameEncoder;
import io.umonitor.protocol.RecordFrame;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * Builds the test unikernel src/test/resources/solo5-guest/umt_guest.c with the Solo5 toolchain of
 * {@code UMONITOR_SOLO5_HOME} into a temporary directory, once per JVM and tender. Its console records
 * ({@link #RECORDS}) are encoded here with umonitor's own {@link FrameEncoder}, so what arrives is
 * checked against what the protocol codec produced.
 */
final class TestGuest {

    /** The records the guest prints in the console encoding, in order. */
    static final List<RecordFrame> RECORDS = List.of(
            new RecordFrame(0, GuestClock.NONE, 0, LogLevel.INFO, "umt_guest", "hello from a Solo5 unikernel",
                    List.of(Attribute.of("guest.kind", "solo5"))),
            new RecordFrame(1, GuestClock.MONOTONIC, 1_000_000, LogLevel.WARN, "umt_guest.disk", "disk almost full",
                    List.of(Attribute.of("free.mb", 12))),
            new RecordFrame(2, GuestClock.NONE, 0, LogLevel.ERROR, "umt_guest", "an error, reported on purpose",
                    List.of()));

    private static final Map<Tender, Path> WITH_NET = new EnumMap<>(Tender.class);
    private static final Map<Tender, Path> WITHOUT_NET = new EnumMap<>(Tender.class);

    private TestGuest() {
    }

    /** The guest with one NET_BASIC device service0 (answers ping at its --ipv4 address with "serve"). */
    static synchronized Path withNetwork(Tender tender) {
        return WITH_NET.computeIfAbsent(tender, t -> build(t, true));
    }

    /** The guest without devices ("serve" then just waits until stopped). */
    static synchronized Path withoutNetwork(Tender tender) {
        return WITHOUT_NET.computeIfAbsent(tender, t -> build(t, false));
    }

    static List<String> consoleLines() {
        FrameEncoder encoder = new FrameEncoder();
        return RECORDS.stream().map(encoder::encodeConsoleLine).toList();
    }

    private static Path build(Tender tender, boolean network) {
        Path home = Solo5TestKernels.home().orElse(null);
        assumeTrue(home != null, "no Solo5 build: " + Solo5TestKernels.HOW);
        Path cc = home.resolve("toolchain/bin/x86_64-solo5-none-static-cc");
        Path elftool = home.resolve("elftool/solo5-elftool");
        assumeTrue(Files.isExecutable(cc) && Files.isExecutable(elftool), "the Solo5 toolchain (" + cc + ") and "
                + elftool + " are needed to build the test unikernel: " + Solo5TestKernels.HOW);
        try {
            Path dir = Files.createTempDirectory("umt-solo5-guest-");
            dir.toFile().deleteOnExit();
            copy("umt_guest.c", dir);
            String manifest = network ? "manifest.json" : "manifest-nonet.json";
            copy(manifest, dir);
            StringBuilder records = new StringBuilder("static const char *const UMT_RECORDS[] = {\n");
            for (String line : consoleLines()) {
                records.append("    \"").append(line).append("\",\n");
            }
            Files.writeString(dir.resolve("records.h"), records.append("};\n").toString());
            String name = "umt_guest" + (network ? "" : "_nonet") + "." + tender.target();
            run(dir, elftool.toString(), "gen-manifest", manifest, "manifest.c");
            List<String> compile = new ArrayList<>(List.of(cc.toString(), "-std=c11", "-Wall", "-Wextra", "-Werror",
                    "-O2", "-I.", "-c", "umt_guest.c", "-o", "umt_guest.o"));
            if (!network) {
                compile.add("-DUMT_NO_NET");
            }
            run(dir, compile.toArray(String[]::new));
            run(dir, cc.toString(), "-c", "manifest.c", "-o", "manifest.o");
            run(dir, cc.toString(), "-z", "solo5-abi=" + tender.target(), "umt_guest.o", "manifest.o", "-o", name);
            return dir.resolve(name);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void copy(String resource, Path dir) throws IOException {
        try (InputStream in = TestGuest.class.getResourceAsStream("/solo5-guest/" + resource)) {
            Files.copy(in, dir.resolve(resource));
        }
    }

    private static void run(Path dir, String... command) throws IOException {
        ToolRunner.Result r = ToolRunner.run(List.of(command), dir, Duration.ofSeconds(60), (s, l) -> { });
        if (r.exitCode() != 0) {
            throw new IOException(String.join(" ", command) + " failed: " + r.output());
        }
    }
}
