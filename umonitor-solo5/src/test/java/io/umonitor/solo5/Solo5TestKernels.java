package io.umonitor.solo5;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Finds a Solo5 build tree with its test kernels for integration tests: {@code UMONITOR_SOLO5_HOME}
 * pointing at a built Solo5 source tree ({@code ./configure.sh && make}), whose {@code tests/} directory
 * holds {@code test_hello/test_hello.spt} and friends. Tests needing it are skipped with the reason when
 * it is absent (as in CI).
 */
final class Solo5TestKernels {

    static final String HOW = "set UMONITOR_SOLO5_HOME to a built Solo5 source tree (git clone "
            + "https://github.com/Solo5/solo5; cd solo5; git checkout v0.12.1; ./configure.sh && make; needs "
            + "libseccomp-dev and pkg-config)";

    private Solo5TestKernels() {
    }

    static Optional<Path> home() {
        return Solo5Installation.home(Optional.empty());
    }

    /** Skips the calling test unless the tools for {@code tender} and Solo5's test kernels are present. */
    static Path requireKernel(String test, Tender tender) {
        Optional<Path> home = home();
        assumeTrue(home.isPresent(), "no Solo5 build: " + HOW);
        Solo5Installation tools = Solo5Installation.locate(home, System.getenv("PATH"));
        Optional<String> missing = tools.missingFor(tender);
        assumeTrue(missing.isEmpty(), missing.orElse(""));
        Path kernel = home.get().resolve("tests").resolve(test).resolve(test + "." + tender.target());
        assumeTrue(Files.isRegularFile(kernel), kernel + " not found: UMONITOR_SOLO5_HOME must be a Solo5 build "
                + "tree with its tests built (make), not only an install prefix");
        if (tender == Tender.HVT) {
            assumeTrue(Files.exists(Path.of("/dev/kvm")), "hvt needs /dev/kvm, which this host does not have");
        }
        return kernel;
    }

    static boolean isRoot() {
        return "root".equals(System.getProperty("user.name"));
    }
}
