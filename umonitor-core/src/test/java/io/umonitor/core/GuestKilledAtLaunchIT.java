package io.umonitor.core;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.umonitor.api.ExitClassification;
import io.umonitor.api.ExitInfo;
import io.umonitor.api.UnikernelHandle;
import io.umonitor.api.UnikernelSpec;
import io.umonitor.core.backend.process.ProcessBackend;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Guests that die while their launch is still being recorded: the run-state record (written once the pid is
 * known, while the guest may already be gone) must still be removed, or the next monitor would find records
 * of processes that never outlived this one.
 */
@Timeout(120)
class GuestKilledAtLaunchIT {

    private static final int GUESTS = 20;

    @TempDir
    Path dir;

    @Test
    void aGuestKilledTheMomentItStartsIsReportedKilledAndLeavesNoRunStateRecord() throws Exception {
        Path guests = dir.resolve("state").resolve("guests");
        try (Monitor monitor = Monitor.builder().discoverProviders(false).backend(new ProcessBackend())
                .stateDirectory(dir.resolve("state")).workDirectory(dir.resolve("work")).closeOnJvmExit(false)
                .senderLinger(Duration.ZERO).build()) {
            List<UnikernelHandle> handles = new ArrayList<>();
            for (int i = 0; i < GUESTS; i++) {
                // SIGKILL as its first act: usually before the monitor has written the record.
                handles.add(monitor.launch(UnikernelSpec.builder("doomed" + i, Path.of("/bin/sh"))
                        .argument("-c").argument("kill -KILL $$").build()));
            }
            int killed = 0;
            for (UnikernelHandle h : handles) {
                ExitInfo exit = h.termination().get(30, TimeUnit.SECONDS);
                if (exit.classification() == ExitClassification.KILLED && exit.signal() == 9) {
                    killed++;
                }
            }
            assertEquals(GUESTS, killed, "guests reported as killed by SIGKILL");
            assertEquals(List.of(), records(guests), "run-state records left behind by " + GUESTS + " ended guests");
        }
    }

    private static List<Path> records(Path guests) throws Exception {
        if (!Files.isDirectory(guests)) {
            return List.of();
        }
        try (Stream<Path> files = Files.list(guests)) {
            return files.toList();
        }
    }
}
