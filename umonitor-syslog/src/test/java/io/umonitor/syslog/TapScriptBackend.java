package io.umonitor.syslog;

import io.umonitor.api.ExitClassification;
import io.umonitor.api.ExitInfo;
import io.umonitor.api.Availability;
import io.umonitor.api.spi.GuestOutput;
import io.umonitor.api.spi.LaunchRequest;
import io.umonitor.api.spi.LaunchedUnikernel;
import io.umonitor.api.ProvisionedNetwork;
import io.umonitor.api.spi.UnikernelBackend;
import io.umonitor.kit.process.ProcessUnikernel;
import io.umonitor.kit.process.SupervisedProcess;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A backend for tests whose guest is a process attached to its umonitor-provisioned tap the way a tender
 * attaches to it (python3 opens the tap and writes raw Ethernet frames from the guest's address), so the
 * kernel sees exactly the packets a unikernel on that tap would send. The spec's image is the python script;
 * its arguments follow the tap name, host address, guest address, guest MAC and {@code UMONITOR_SYSLOG}.
 */
final class TapScriptBackend implements UnikernelBackend {
    @Override
    public String id() {
        return "tap-script";
    }

    @Override
    public Availability availability() {
        return Availability.usable();
    }

    @Override
    public LaunchedUnikernel launch(LaunchRequest request) {
        ProvisionedNetwork tap = request.networks().get(0);
        List<String> arguments = new ArrayList<>(List.of(request.spec().image().toString(), tap.hostInterface(),
                tap.hostAddress().getHostAddress(), tap.guestAddress().getHostAddress(), tap.mac(),
                request.guestParameters().getOrDefault(LaunchRequest.SYSLOG_PARAMETER, "")));
        arguments.addAll(request.spec().arguments());
        GuestOutput output = request.output();
        SupervisedProcess process = SupervisedProcess.builder(Path.of("/usr/bin/python3")).arguments(arguments)
                .workingDirectory(request.runDirectory()).label(request.spec().name())
                .output(new SupervisedProcess.OutputConsumer() {
                    @Override
                    public void line(GuestOutput.Stream stream, String line) {
                        output.consoleLine(stream, line);
                    }

                    @Override
                    public void linesDropped(GuestOutput.Stream stream, long count) {
                        // the script prints a few lines
                    }
                }).start();
        output.running();
        return new ProcessUnikernel(process, exit -> ExitInfo.of(exit.exitValue(), exit.signal(),
                exit.exitValue() == 0 ? ExitClassification.NORMAL : ExitClassification.CRASH, exit.describe()));
    }
}
