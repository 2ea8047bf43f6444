package io.umonitor.core;

import io.umonitor.api.Availability;
import io.umonitor.api.ExitClassification;
import io.umonitor.api.ExitInfo;
import io.umonitor.api.spi.LaunchRequest;
import io.umonitor.api.spi.LaunchedUnikernel;
import io.umonitor.api.spi.UnikernelBackend;
import io.umonitor.kit.process.ProcessUnikernel;
import io.umonitor.kit.process.SupervisedProcess;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;

/**
 * Runs a host process as a VM backend runs its VMM: it accepts TAP devices, hands the guest its name, token
 * and guest parameters as environment variables, and records every launch request for the test to inspect.
 */
final class VmLikeBackend implements UnikernelBackend {
    final List<LaunchRequest> requests = new CopyOnWriteArrayList<>();
    private final Function<LaunchRequest, SupervisedProcess.Builder> guest;

    /** @param guest the guest process for a launch (its output and environment are added here) */
    VmLikeBackend(Function<LaunchRequest, SupervisedProcess.Builder> guest) {
        this.guest = guest;
    }

    @Override
    public String id() {
        return "vm-like";
    }

    @Override
    public Availability availability() {
        return Availability.usable();
    }

    @Override
    public LaunchedUnikernel launch(LaunchRequest request) {
        requests.add(request);
        SupervisedProcess.Builder builder = guest.apply(request)
                .environment("UMONITOR_NAME", request.spec().name())
                .environment("UMONITOR_TOKEN", request.token())
                .output((stream, line) -> request.output().consoleLine(stream, line));
        request.guestParameters().forEach(builder::environment);
        SupervisedProcess process = builder.start();
        request.output().running();
        return new ProcessUnikernel(process, e -> ExitInfo.of(e.exitValue(), e.signal(),
                e.exitValue() == 0 ? ExitClassification.NORMAL : ExitClassification.FAILURE, "process ended"));
    }
}
