package io.umonitor.core.network.tap;

import io.umonitor.api.NetworkSpec;
import io.umonitor.api.ProvisionedNetwork;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A stand-in monitor for leftover tests: provisions taps, prints their names, then waits to be killed
 * with SIGKILL so that nothing is released.
 *
 * <p>Arguments: state directory, network namespace, unikernel name prefix, number of devices.
 */
public final class CrashingMonitorMain {
    private CrashingMonitorMain() {
    }

    public static void main(String[] args) throws Exception {
        LinuxTapProvisioner provisioner = LinuxTapProvisioner.builder().namespace(args[1]).build();
        provisioner.initialize(Path.of(args[0]));
        List<String> names = new ArrayList<>();
        for (int i = 0; i < Integer.parseInt(args[3]); i++) {
            ProvisionedNetwork network = provisioner.provision(args[2] + "-" + i, NetworkSpec.tap("service0"));
            names.add(network.hostInterface());
        }
        System.out.println("PROVISIONED " + String.join(" ", names));
        System.out.flush();
        // Blocks until the test kills us; EOF (the test died) ends us too, still without releasing.
        while (System.in.read() != -1) {
            // keep waiting
        }
    }
}
