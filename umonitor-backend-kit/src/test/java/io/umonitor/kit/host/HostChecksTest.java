package io.umonitor.kit.host;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class HostChecksTest {

    @Test
    void capabilitiesAreReadFromTheCapEffMask() {
        assertTrue(HostChecks.hasCapability("0000000000001000", HostChecks.CAP_NET_ADMIN));
        assertFalse(HostChecks.hasCapability("0000000000000fff", HostChecks.CAP_NET_ADMIN));
        assertTrue(HostChecks.hasCapability("000001ffffffffff", HostChecks.CAP_SYS_ADMIN));
        assertFalse(HostChecks.hasCapability("not hex", HostChecks.CAP_NET_ADMIN));
    }

    @Test
    void aMissingKvmDeviceIsAProblemThatSaysHowToFixIt() {
        String problem = HostChecks.kvmProblem(Path.of("/nonexistent/umt-kvm")).orElseThrow();
        assertTrue(problem.startsWith("/nonexistent/umt-kvm does not exist"), problem);
        assertTrue(problem.contains("modprobe"), problem);
    }

    @Test
    void thisProcessCapabilitiesCanBeReadOnLinux() {
        assertTrue(HostChecks.effectiveCapabilities().isPresent(), "CapEff in /proc/self/status");
    }
}
