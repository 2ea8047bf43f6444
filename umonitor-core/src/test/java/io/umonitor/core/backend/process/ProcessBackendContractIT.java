package io.umonitor.core.backend.process;

import io.umonitor.api.UnikernelSpec;
import io.umonitor.api.spi.UnikernelBackend;
import io.umonitor.testkit.UnikernelBackendContract;
import java.nio.file.Path;
import java.util.Optional;

/** The process backend against the backend contract, with {@code /bin/sh} scripts as guests. */
class ProcessBackendContractIT extends UnikernelBackendContract {

    private static final Path SH = Path.of("/bin/sh");

    private static UnikernelSpec.Builder script(String name, String script) {
        return UnikernelSpec.builder(name, SH).argument("-c").argument(script);
    }

    @Override
    protected UnikernelBackend createBackend() {
        return new ProcessBackend();
    }

    @Override
    protected UnikernelSpec.Builder guestThatPrintsAndExits(String name, String line, int exitCode) {
        return script(name, "echo '" + line + "'; exit " + exitCode);
    }

    @Override
    protected UnikernelSpec.Builder guestThatCrashes(String name) {
        return script(name, "echo about to fault; kill -SEGV $$");
    }

    @Override
    protected UnikernelSpec.Builder guestThatRunsUntilStopped(String name, String line) {
        return script(name, "echo '" + line + "'; exec sleep 600");
    }

    @Override
    protected UnikernelSpec.Builder guestThatPrintsItsParameters(String name) {
        return script(name, "echo \"$UMONITOR_NAME $UMONITOR_TOKEN $UMONITOR_TCP $UMONITOR_UDP\"");
    }

    @Override
    protected Optional<UnikernelSpec.Builder> guestThatIgnoresGracefulStop(String name, String line) {
        return Optional.of(script(name, "trap '' TERM; echo '" + line + "'; while :; do sleep 1; done"));
    }
}
