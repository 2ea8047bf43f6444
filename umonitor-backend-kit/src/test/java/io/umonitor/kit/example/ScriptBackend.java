package io.umonitor.testkit.example;

import io.umonitor.api.ConfigurationException;
import io.umonitor.api.LaunchException;
import io.umonitor.api.UnikernelSpec;
import io.umonitor.api.Availability;
import io.umonitor.api.CollectorEndpoint;
import io.umonitor.api.spi.LaunchRequest;
import io.umonitor.api.spi.LaunchedUnikernel;
import io.umonitor.api.spi.ProviderContext;
import io.umonitor.api.spi.UnikernelBackend;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The backend of docs/writing-a-backend.md: runs a "unikernel" that is a shell script, the way a real
 * backend runs its tender or VMM. Id {@code script}. The guide shows this file piece by piece.
 */
public final class ScriptBackend implements UnikernelBackend {

    public static final String ID = "script";
    private static final Path SHELL = Path.of("/bin/sh");

    /** No I/O here: the monitor constructs every backend it finds, used or not. */
    public ScriptBackend() {
    }

    @Override
    public String id() {
        return ID;
    }

    @Override
    public Availability availability() {
        return Files.isExecutable(SHELL) ? Availability.usable()
                : Availability.unusable(SHELL + " not found: the script backend needs a POSIX shell; install one "
                        + "(apt-get install dash) or use another backend");
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
        List<String> command = new ArrayList<>(List.of(SHELL.toString(), spec.image().toAbsolutePath().toString()));
        command.addAll(spec.arguments());
        ProcessBuilder builder = new ProcessBuilder(command).directory(request.runDirectory().toFile());
        Map<String, String> environment = builder.environment();
        environment.put("UMONITOR_NAME", spec.name());
        environment.put("UMONITOR_TOKEN", request.token());
        request.collector(CollectorEndpoint.Transport.TCP, null)
                .ifPresent(c -> environment.put("UMONITOR_TCP", c.hostAndPort()));
        request.collector(CollectorEndpoint.Transport.UDP, null)
                .ifPresent(c -> environment.put("UMONITOR_UDP", c.hostAndPort()));
        environment.putAll(request.guestParameters());
        environment.putAll(spec.environment());
        Process process;
        try {
            process = builder.start();
        } catch (IOException e) {
            throw new LaunchException("unikernel '" + spec.name() + "' could not be started: " + e.getMessage()
                    + ": check that " + SHELL + " can run", e);
        }
        ScriptGuest guest = new ScriptGuest(process, request.output());
        // A script runs at once; a VMM backend would wait for the guest's "running" line on its console.
        request.output().running();
        return guest;
    }
}
