package io.umonitor.core.backend.process;

import io.umonitor.api.UnikernelSpec;
import io.umonitor.api.spi.UnikernelBackend;
import io.umonitor.testkit.ShellGuestBackendContract;
import java.nio.file.Path;

/** The process backend against the backend contract, with the suite's shell guests run as {@code sh -c}. */
class ProcessBackendContractIT extends ShellGuestBackendContract {

    @Override
    protected UnikernelBackend createBackend() {
        return new ProcessBackend();
    }

    @Override
    protected UnikernelSpec.Builder shellGuest(String name, String script) {
        return UnikernelSpec.builder(name, Path.of("/bin/sh")).argument("-c").argument(script);
    }
}
