package io.umonitor.examples.fleet;

import io.umonitor.api.UnikernelHandle;
import io.umonitor.api.UnikernelSpec;
import io.umonitor.core.Monitor;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * One host of {@link FleetIT}, in a JVM of its own: a monitor as a platform would configure it (discovered
 * providers plus settings), launching the same guests every host runs, exporting everything it collects.
 * Arguments: STATE_DIR GUEST GUEST_COUNT GUEST_ARGUMENTS (comma-separated: record count, then optionally the
 * pause between records in milliseconds) then KEY=VALUE monitor settings.
 */
public final class FleetMember {
    private FleetMember() {
    }

    public static void main(String[] args) throws Exception {
        Path state = Path.of(args[0]);
        Path guest = Path.of(args[1]);
        int guests = Integer.parseInt(args[2]);
        String records = args[3];
        Monitor.Builder builder = Monitor.builder().stateDirectory(state.resolve("state"))
                .workDirectory(state.resolve("work")).property("file.directory", state.resolve("logs").toString());
        for (int i = 4; i < args.length; i++) {
            int eq = args[i].indexOf('=');
            builder.property(args[i].substring(0, eq), args[i].substring(eq + 1));
        }
        try (Monitor monitor = builder.build()) {
            List<UnikernelHandle> handles = new ArrayList<>();
            for (int g = 1; g <= guests; g++) {
                UnikernelSpec.Builder spec = UnikernelSpec.builder("sensor-" + g, guest).backend("process");
                for (String argument : records.split(",")) {
                    spec.argument(argument);
                }
                handles.add(monitor.launch(spec.build()));
            }
            for (UnikernelHandle h : handles) {
                h.termination().get(60, TimeUnit.SECONDS);
            }
            for (UnikernelHandle h : handles) {
                System.out.println("stats " + h.name() + " " + h.logStats());
            }
        }
        System.out.println("fleet member done");
    }
}
