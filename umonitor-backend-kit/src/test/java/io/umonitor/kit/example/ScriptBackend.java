package io.umonitor.kit.example;

import io.umonitor.api.Availability;
import io.umonitor.api.ConfigurationException;
import io.umonitor.api.UnikernelSpec;
import io.umonitor.api.spi.LaunchRequest;
import io.umonitor.api.spi.LaunchedUnikernel;
import io.umonitor.api.spi.ProviderContext;
import io.umonitor.api.spi.UnikernelBackend;
import io.umonitor.kit.host.Executables;
import io.umonitor.kit.process.GuestExits;
import io.umonitor.kit.process.ProcessUnikernel;
import io.umonitor.kit.process.SupervisedProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The backend of docs/writing-a-backend.md: runs a "unikernel" that is a shell script, the way a real
 * backend runs its tender or VMM, with the backend kit. Id {@code script}. The guide shows this file
 * piece by piece.
 */
public final class ScriptBackend implements UnikernelBackend {

    public static final String ID = "script";
    private static final String SHELL = "sh";
    private static final String INSTALL_SHELL = "install a POSIX shell (apt-get install dash) or use another backend";

    /** No I/O here: the monitor constructs every backend it finds, used or not. */
    public ScriptBackend() {
    }

    @Override
    public String id() {
        return ID;
    }

    @Override
    public String artifact() {
        return "com.example:umonitor-script-backend";
    }

    @Override
    public Availability availability() {
        return Executables.missing(SHELL, "run scripts", INSTALL_SHELL).map(Availability::unusable)
                .orElse(Availability.usable());
    }

    @Override
    public void initialize(ProviderContext context) {
        context.rejectUnknownProperties(ID, List.of());
    }

    @Override
    public LaunchedUnikernel launch(LaunchRequest request) {
        UnikernelSpec spec = request.spec();
        if (!Files.isRegularFile(spec.image())) {
            throw new ConfigurationException("image " + spec.image() + " of unikernel '" + spec.name()
                    + "' is not a file: give the path of a shell script");
        }
        Path shell = Executables.require(SHELL, "run scripts", INSTALL_SHELL);
        SupervisedProcess process = SupervisedProcess.builder(shell)
                .argument(spec.image().toAbsolutePath().toString())
                .arguments(spec.arguments())
                .workingDirectory(request.runDirectory())
                .label(spec.name())
                .output(SupervisedProcess.OutputConsumer.to(request.output()))
                .guestEnvironment(request)
                .environment(spec.environment())
                .start();
        LaunchedUnikernel guest = new ProcessUnikernel(process, GuestExits::ofGuestProcess);
        // A script runs at once; a VMM backend would wait for the guest's "running" line on its console.
        request.output().running();
        return guest;
    }
}
