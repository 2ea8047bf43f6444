package io.umonitor.testkit.example;

import io.umonitor.api.UnikernelSpec;
import io.umonitor.api.spi.UnikernelBackend;
import io.umonitor.testkit.UnikernelBackendContract;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/** The guide's example backend passes the backend contract: step 4 of docs/writing-a-backend.md. */
class ScriptBackendContractIT extends UnikernelBackendContract {

    @Override
    protected UnikernelBackend createBackend() {
        return new ScriptBackend();
    }

    /** Writes a guest image: here a shell script, for a VMM backend a kernel built for the test. */
    private UnikernelSpec.Builder script(String name, String body) {
        try {
            Path image = Files.writeString(testDirectory.resolve(name + ".sh"), body + "\n");
            return UnikernelSpec.builder(name, image);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    protected UnikernelSpec.Builder guestThatPrintsAndExits(String name, String line, int exitCode) {
        return script(name, "echo '" + line + "'; exit " + exitCode);
    }

    @Override
    protected UnikernelSpec.Builder guestThatCrashes(String name) {
        return script(name, "kill -SEGV $$");
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
