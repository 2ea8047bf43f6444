package io.umonitor.rumprun;

import io.umonitor.api.NetworkSpec;
import io.umonitor.api.UnikernelSpec;
import io.umonitor.api.spi.UnikernelBackend;
import io.umonitor.testkit.UnikernelBackendContract;
import java.util.Map;
import java.util.Optional;

/**
 * The QEMU backend against the backend contract, with the freestanding multiboot test guest
 * (src/test/guest/multiboot) under TCG: this host's /dev/kvm cannot run it, and the suite is about what
 * the backend does with a guest, not about acceleration ({@code QemuWarningExitIT} runs the default).
 * The guest echoes its command line, which carries the contract's marker, its name and collectors. Its
 * token travels by fw_cfg and the guest never prints it (QemuTokenSecrecyIT proves that path end to end), so
 * the parameter test asks for the older guests' setting that also puts the token on the command line.
 */
class QemuBackendContractIT extends UnikernelBackendContract {

    private static UnikernelSpec.Builder guest(String name, String words) {
        GuestBuilds.assumeQemu();
        try {
            return UnikernelSpec.builder(name, GuestBuilds.multibootGuest()).option("qemu.append", words);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Exception e) {
            throw new AssertionError("building the multiboot test guest failed", e);
        }
    }

    @Override
    protected UnikernelBackend createBackend() {
        return new QemuBackend();
    }

    @Override
    protected Map<String, String> settings() {
        return Map.of("accel", "tcg");
    }

    @Override
    protected Optional<Map<String, String>> settingsThatMakeItUnusable() {
        return Optional.of(Map.of("binary", "/nonexistent/qemu-system-x86_64"));
    }

    @Override
    protected UnikernelSpec.Builder guestThatPrintsAndExits(String name, String line, int exitCode) {
        return guest(name, "test.end=exit test.code=" + exitCode + " test.records=1 contract.say=" + line);
    }

    @Override
    protected UnikernelSpec.Builder guestThatCrashes(String name) {
        return guest(name, "test.end=panic").option("qemu.flavour", "rumprun");
    }

    @Override
    protected UnikernelSpec.Builder guestThatRunsUntilStopped(String name, String line) {
        return guest(name, "test.end=hang contract.say=" + line);
    }

    @Override
    protected Optional<UnikernelSpec.Builder> guestThatIgnoresGracefulStop(String name, String line) {
        // The multiboot guest has no ACPI: the power button does nothing, so QEMU is quit after the grace period.
        return Optional.of(guestThatRunsUntilStopped(name, line));
    }

    @Override
    protected Optional<UnikernelSpec.Builder> guestWhoseLaunchFailsAfterStarting(String name) {
        return Optional.of(guestThatPrintsAndExits(name, "never", 0).option("qemu.machine", "no-such-machine"));
    }

    @Override
    protected UnikernelSpec.Builder guestThatPrintsItsParameters(String name) {
        // A user-mode NIC: the guest reaches the host's loopback collectors through 10.0.2.2.
        return guest(name, "test.end=exit test.code=0 test.records=0").network(NetworkSpec.user("net0"))
                .option("qemu.tokenOnCommandLine", "true");
    }
}
