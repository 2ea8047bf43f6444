package io.umonitor.testkit;

import io.umonitor.api.NetworkSpec;
import io.umonitor.api.spi.NetworkProvisioner;
import io.umonitor.api.spi.ProviderContext;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The monitor that crashes in {@link NetworkProvisionerContract}'s leftover test: creates a provisioner
 * by its public no-argument constructor, initialises it, provisions devices, prints their host
 * interfaces after {@link #READY}, then waits to be killed without releasing anything.
 *
 * <p>Arguments: provisioner class, state directory, work directory, unikernel name prefix, device
 * count, then settings as {@code key=value}.
 */
public final class ProvisionerCrashMain {

    /** What precedes the host interface names on the line that says the devices exist. */
    static final String READY = "PROVISIONED ";

    private ProvisionerCrashMain() {
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> settings = new HashMap<>();
        for (int i = 5; i < args.length; i++) {
            int eq = args[i].indexOf('=');
            settings.put(args[i].substring(0, eq), args[i].substring(eq + 1));
        }
        NetworkProvisioner provisioner = (NetworkProvisioner) Class.forName(args[0]).getConstructor().newInstance();
        provisioner.initialize(new ProviderContext(settings, Path.of(args[1]), Path.of(args[2])));
        List<String> names = new ArrayList<>();
        for (int i = 0; i < Integer.parseInt(args[4]); i++) {
            names.add(provisioner.provision(args[3] + "-" + i, NetworkSpec.tap("service0")).hostInterface());
        }
        System.out.println(READY + String.join(" ", names));
        System.out.flush();
        // Blocks until the test kills us; EOF (the test died) ends us too, still without releasing.
        while (System.in.read() != -1) {
            // keep waiting
        }
    }
}
