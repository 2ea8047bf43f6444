package io.umonitor.rumprun;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.umonitor.api.ConfigurationException;
import io.umonitor.api.Availability;
import io.umonitor.api.spi.ProviderContext;
import io.umonitor.api.spi.UnikernelBackend;
import java.nio.file.Path;
import java.util.Map;
import java.util.ServiceLoader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class QemuBackendTest {

    @TempDir
    Path dir;

    @Test
    void isFoundThroughTheServiceLoaderAsQemu() {
        assertTrue(ServiceLoader.load(UnikernelBackend.class).stream()
                .anyMatch(p -> p.type() == QemuBackend.class && p.get().id().equals("qemu")));
    }

    @Test
    void missingQemuNamesTheDebianPackage() {
        QemuBackend backend = new QemuBackend();
        backend.initialize(new ProviderContext(Map.of("binary", "/nonexistent/qemu-system-x86_64"), dir, dir));
        Availability a = backend.availability();
        assertFalse(a.isUsable());
        assertTrue(a.reason().contains("qemu-system-x86") && a.reason().contains("apt-get install"), a.reason());
    }

    @Test
    void unknownSettingsAreRejectedTogether() {
        ConfigurationException e = assertThrows(ConfigurationException.class, () -> new QemuBackend()
                .initialize(new ProviderContext(Map.of("bin", "x", "acel", "kvm"), dir, dir)));
        assertTrue(e.getMessage().contains("[acel, bin]"), e.getMessage());
        assertThrows(ConfigurationException.class, () -> new QemuBackend()
                .initialize(new ProviderContext(Map.of("accel", "fast"), dir, dir)));
        assertEquals("qemu", new QemuBackend().id());
    }
}
