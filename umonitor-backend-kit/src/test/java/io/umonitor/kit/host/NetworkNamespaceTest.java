package io.umonitor.kit.host;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class NetworkNamespaceTest {

    @Test
    void aCommandRunsInTheNamespaceThroughIpNetnsExec() {
        assertEquals(List.of("ip", "netns", "exec", "umt-ns", "/usr/bin/qemu", "-m", "64"),
                NetworkNamespace.wrap(Optional.of("umt-ns"), List.of("/usr/bin/qemu", "-m", "64")));
        assertEquals(List.of("/usr/bin/qemu"), NetworkNamespace.wrap(Optional.empty(), List.of("/usr/bin/qemu")));
        assertEquals("ip netns exec umt-ns ", NetworkNamespace.shellPrefix(Optional.of("umt-ns")));
        assertEquals("", NetworkNamespace.shellPrefix(Optional.empty()));
    }
}
