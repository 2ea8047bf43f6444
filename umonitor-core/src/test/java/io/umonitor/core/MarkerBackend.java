package io.umonitor.core;

import io.umonitor.api.ExitClassification;
import io.umonitor.api.ExitInfo;
import io.umonitor.api.Availability;
import io.umonitor.api.spi.GuestOutput;
import io.umonitor.api.spi.LaunchRequest;
import io.umonitor.api.spi.LaunchedUnikernel;
import io.umonitor.api.spi.UnikernelBackend;
import io.umonitor.kit.process.ProcessExit;
import io.umonitor.kit.process.ProcessUnikernel;
import io.umonitor.kit.process.SupervisedProcess;
import java.nio.file.Path;

/**
 * A test backend like rumprun's: runs {@code sh} with the spec's arguments and reports
 * running only when the guest prints the line {@code RUNNING}. Accepts TAP devices (it ignores them), so
 * lifecycle tests can exercise provisioning with a fake provisioner.
 */
class MarkerBackend implements UnikernelBackend {
    private final String id;
    private final Availability availability;

    MarkerBackend(String id, Availability availability) {
        this.id = id;
        this.availability = availability;
    }

    MarkerBackend() {
        this("marker", Availability.usable());
    }

    @Override
    public String id() {
        return id;
    }

    @Override
    public Availability availability() {
        return availability;
    }

    @Override
    public LaunchedUnikernel launch(LaunchRequest request) {
        GuestOutput output = request.output();
        SupervisedProcess process = SupervisedProcess.builder(Path.of("/bin/sh"))
                .arguments(request.spec().arguments())
                .environment("UMONITOR_TOKEN", request.token())
                .output((stream, line) -> {
                    output.consoleLine(stream, line);
                    if (line.equals("RUNNING")) {
                        output.running();
                    }
                })
                .start();
        return new ProcessUnikernel(process, MarkerBackend::classify);
    }

    private static ExitInfo classify(ProcessExit e) {
        // Deliberately never STOPPED: the monitor must turn an end after its stop into STOPPED itself.
        ExitClassification c = e.signal() != 0 ? ExitClassification.KILLED
                : e.exitValue() == 0 ? ExitClassification.NORMAL : ExitClassification.FAILURE;
        return ExitInfo.of(e.exitValue(), e.signal(), c, e.describe());
    }
}
