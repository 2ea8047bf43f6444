package io.umonitor.kit.example;

import io.umonitor.api.UnikernelSpec;
import io.umonitor.api.spi.UnikernelBackend;
import io.umonitor.testkit.ShellGuestBackendContract;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** The guide's example backend passes the backend contract: step 6 of docs/writing-a-backend.md. */
class ScriptBackendContractIT extends ShellGuestBackendContract {

    @Override
    protected UnikernelBackend createBackend() {
        return new ScriptBackend();
    }

    /** The suite's guests are shell scripts; for this backend a guest's image is the script's file. */
    @Override
    protected UnikernelSpec.Builder shellGuest(String name, String script) {
        try {
            Path image = Files.writeString(testDirectory.resolve(name + ".sh"), script + "\n");
            return UnikernelSpec.builder(name, image);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
