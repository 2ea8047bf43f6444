package io.umonitor.solo5;

import io.umonitor.api.UnikernelSpec;
import io.umonitor.api.spi.CollectorEndpoint;
import io.umonitor.api.spi.UnikernelBackend;
import io.umonitor.testkit.UnikernelBackendContract;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The Solo5 backend against the backend contract, with the test unikernel umt_guest (built for spt with
 * the Solo5 toolchain of {@code UMONITOR_SOLO5_HOME}; skipped with the reason without one). The guest
 * prints its command line, which carries the contract's marker and the {@code --umonitor-*} keys.
 */
class Solo5BackendContractIT extends UnikernelBackendContract {

    private static UnikernelSpec.Builder guest(String name, String... words) {
        Solo5TestKernels.requireKernel("test_hello", Tender.SPT);
        UnikernelSpec.Builder spec = UnikernelSpec.builder(name, TestGuest.withoutNetwork(Tender.SPT)).memoryMb(8)
                // umt_guest prints what it gets but does not link the umonitor client: ask for the keys.
                .option(Solo5Options.UMONITOR_ARGUMENTS, "true");
        for (String word : words) {
            spec.argument(word);
        }
        return spec;
    }

    @Override
    protected UnikernelBackend createBackend() {
        return new Solo5Backend();
    }

    @Override
    protected Optional<Map<String, String>> settingsThatMakeItUnusable() {
        // A Solo5 home without tenders; only meaningful where PATH has none either.
        for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            if (!dir.isEmpty() && (Files.isExecutable(Path.of(dir, "solo5-spt")) || Files.isExecutable(Path.of(dir, "solo5-hvt")))) {
                return Optional.empty();
            }
        }
        return Optional.of(Map.of(Solo5Backend.HOME_SETTING, testDirectory.toString()));
    }

    @Override
    protected UnikernelSpec.Builder guestThatPrintsAndExits(String name, String line, int exitCode) {
        return guest(name, line, "exit=" + exitCode);
    }

    @Override
    protected UnikernelSpec.Builder guestThatCrashes(String name) {
        return guest(name, "abort");
    }

    @Override
    protected UnikernelSpec.Builder guestThatRunsUntilStopped(String name, String line) {
        return guest(name, line, "serve");
    }

    @Override
    protected UnikernelSpec.Builder guestThatPrintsItsParameters(String name) {
        return guest(name);
    }

    /**
     * A Solo5 guest has no way to the host's loopback without a tap, so the backend passes collector
     * addresses only for a tap device (Solo5NetworkIT covers those); without one, none.
     */
    @Override
    protected List<String> expectedCollectorTexts(List<CollectorEndpoint> offered) {
        return List.of();
    }
}
