package io.umonitor.core;

import io.umonitor.api.UnikernelHandle;
import io.umonitor.api.UnikernelSpec;
import io.umonitor.core.backend.process.ProcessBackend;
import java.nio.file.Path;
import java.time.Duration;

/**
 * Run by {@link CtrlCIT} as the foreground process group of a pretend terminal: launches a guest that
 * writes how it was ended into the file {@code args[0]}, prints its pid, then waits for Ctrl-C.
 */
public final class CtrlCChild {
    private CtrlCChild() {
    }

    public static void main(String[] args) throws InterruptedException {
        Monitor monitor = Monitor.builder().discoverProviders(false).backend(new ProcessBackend())
                .stopGrace(Duration.ofSeconds(10)).build();
        // The guest notes each signal it gets; SIGTERM (umonitor's graceful stop) ends it cleanly.
        String script = "trap 'echo INT >> " + args[0] + "; exit 130' INT; "
                + "trap 'echo TERM >> " + args[0] + "; exit 0' TERM; "
                + "echo ready; while :; do sleep 0.1; done";
        UnikernelHandle guest = monitor.launchAndAwaitRunning(UnikernelSpec.builder("ctrl-c", Path.of("/bin/sh"))
                .argument("-c").argument(script).build(), Duration.ofSeconds(20));
        System.out.println("guest-pid " + monitor.details(guest.name()).get("pid"));
        System.out.flush();
        Thread.sleep(Long.MAX_VALUE);
    }
}
