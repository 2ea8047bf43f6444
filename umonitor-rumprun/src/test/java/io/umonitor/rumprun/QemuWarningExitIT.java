package io.umonitor.rumprun;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.umonitor.api.ExitClassification;
import io.umonitor.api.ExitInfo;
import io.umonitor.api.UnikernelSpec;
import io.umonitor.api.spi.GuestOutput;
import io.umonitor.api.spi.LaunchRequest;
import io.umonitor.api.spi.LaunchedUnikernel;
import io.umonitor.testkit.RecordingGuestOutput;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 15: a guest whose main() returned 0 was reported as {@code LAUNCHER_ERROR: QEMU exited with status 1:
 * qemu-system-x86_64: warning: host doesn't support requested feature: ...} because any QEMU stderr line
 * counted as an error. Here QEMU warns for real: the CPU asks for AMD's XOP, which neither TCG nor KVM on
 * Intel hosts provide. Acceleration is the default users get (KVM where /dev/kvm is usable, else TCG;
 * where KVM cannot run the guest, the backend's own fallback to TCG), so the test sees what they see. The
 * multiboot guest exits through isa-debug-exit, which makes QEMU's status 1 for code 0.
 */
class QemuWarningExitIT {

    private static Path guest;

    @TempDir
    Path runDirectory;

    @BeforeAll
    static void buildGuest() throws Exception {
        GuestBuilds.assumeQemu();
        guest = GuestBuilds.multibootGuest();
    }

    private LaunchedUnikernel launch(String name, int code, RecordingGuestOutput output) throws Exception {
        UnikernelSpec spec = UnikernelSpec.builder(name, guest)
                .option("qemu.append", "test.end=exit test.code=" + code + " test.records=1")
                .option("qemu.cpu", "qemu64,+xop").build();
        Path run = Files.createDirectories(runDirectory.resolve(name));
        return new QemuBackend().launch(new LaunchRequest(spec, "0123456789abcdef0123456789abcdef", List.of(),
                List.of(), output, run));
    }

    private static void assertQemuWarned(RecordingGuestOutput output) {
        assertTrue(output.lines(GuestOutput.Stream.STDERR).stream()
                        .anyMatch(l -> l.contains("warning:") && l.contains("xop")),
                "QEMU warned about the CPU feature, or this test proves nothing: " + output.all());
    }

    @Test
    void guestsThatReturnedZeroAndThreeAreNormalAndFailureThoughQemuWarnedOnStderr() throws Exception {
        RecordingGuestOutput zeroOutput = new RecordingGuestOutput();
        RecordingGuestOutput threeOutput = new RecordingGuestOutput();
        LaunchedUnikernel zero = launch("warned-zero", 0, zeroOutput);
        LaunchedUnikernel three = launch("warned-three", 3, threeOutput);
        ExitInfo zeroExit = zero.exit().get(90, TimeUnit.SECONDS);
        ExitInfo threeExit = three.exit().get(90, TimeUnit.SECONDS);

        assertQemuWarned(zeroOutput);
        assertEquals(ExitClassification.NORMAL, zeroExit.classification(), zeroExit + "\n" + zeroOutput.all());
        assertEquals(0, zeroExit.exitCode());
        assertTrue(zeroOutput.lines(GuestOutput.Stream.SERIAL).stream().anyMatch(l -> l.contains("returned 0")),
                zeroOutput.all());

        assertQemuWarned(threeOutput);
        assertEquals(ExitClassification.FAILURE, threeExit.classification(), threeExit + "\n" + threeOutput.all());
        assertEquals(3, threeExit.exitCode());
    }
}
