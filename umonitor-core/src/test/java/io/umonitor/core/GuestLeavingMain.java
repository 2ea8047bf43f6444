package io.umonitor.core;

import io.umonitor.api.UnikernelHandle;
import io.umonitor.api.UnikernelSpec;
import io.umonitor.core.backend.process.ProcessBackend;
import java.nio.file.Path;
import java.time.Duration;

/**
 * Run by {@link CloseOnJvmExitIT} in a JVM of its own: launches a long-running guest, prints its pid and
 * exits without closing the monitor, as an embedding application that forgets to would.
 */
public final class GuestLeavingMain {
    private GuestLeavingMain() {
    }

    public static void main(String[] args) {
        Monitor monitor = Monitor.builder().discoverProviders(false).backend(new ProcessBackend())
                .stopGrace(Duration.ofSeconds(2)).build();
        UnikernelHandle guest = monitor.launchAndAwaitRunning(UnikernelSpec.builder("left-behind", Path.of("/bin/sh"))
                .argument("-c").argument("exec sleep 300").build(), Duration.ofSeconds(20));
        System.out.println("guest-pid " + monitor.details(guest.name()).get("pid"));
        System.out.flush();
        System.exit(0);
    }
}
