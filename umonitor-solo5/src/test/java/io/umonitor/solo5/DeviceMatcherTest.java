package io.umonitor.solo5;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.umonitor.api.BlockDeviceSpec;
import io.umonitor.api.ConfigurationException;
import io.umonitor.api.NetworkSpec;
import io.umonitor.api.UnikernelSpec;
import io.umonitor.solo5.Solo5Image.Device;
import io.umonitor.solo5.Solo5Image.DeviceType;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DeviceMatcherTest {
    private static final Solo5Image NET_AND_BLOCK = new Solo5Image(Path.of("app.hvt"), Tender.HVT, 2,
            List.of(new Device("service0", DeviceType.NET_BASIC), new Device("service1", DeviceType.NET_BASIC),
                    new Device("storage", DeviceType.BLOCK_BASIC)));

    @Test
    void acceptsASpecThatMatches() {
        UnikernelSpec spec = UnikernelSpec.builder("app", Path.of("app.hvt")).network(NetworkSpec.tap("service1"))
                .network(NetworkSpec.tap("service0")).blockDevice(new BlockDeviceSpec("storage", Path.of("d.img"), false))
                .build();
        assertDoesNotThrow(() -> DeviceMatcher.check(spec, NET_AND_BLOCK));
    }

    @Test
    void listsEveryMissingExtraAndMistypedDevice() {
        UnikernelSpec spec = UnikernelSpec.builder("app", Path.of("app.hvt"))
                .network(NetworkSpec.tap("service0"))
                .network(NetworkSpec.tap("extra0"))
                .network(NetworkSpec.tap("storage"))
                .blockDevice(new BlockDeviceSpec("disk2", Path.of("d.img"), false))
                .build();
        String m = assertThrows(ConfigurationException.class, () -> DeviceMatcher.check(spec, NET_AND_BLOCK))
                .getMessage();
        for (String expected : new String[] {"network device 'extra0' is not declared",
            "'storage' is a network device in the spec but the image declares it as BLOCK_BASIC",
            "block device 'disk2' is not declared",
            "declares network device 'service1' (NET_BASIC) but the spec does not attach it",
            "NetworkSpec.tap(\"service1\")", "service0 NET_BASIC, service1 NET_BASIC, storage BLOCK_BASIC"}) {
            assertTrue(m.contains(expected), "missing <" + expected + "> in: " + m);
        }
        // storage is given (with the wrong kind), so it is not also reported as missing
        assertTrue(!m.contains("declares block device 'storage'"), m);
    }

    @Test
    void refusesUserNetworkingAndReadOnlyBlocks() {
        Solo5Image image = new Solo5Image(Path.of("a"), Tender.SPT, 2, List.of(new Device("net0", DeviceType.NET_BASIC),
                new Device("disk", DeviceType.BLOCK_BASIC)));
        UnikernelSpec spec = UnikernelSpec.builder("app", Path.of("a")).network(NetworkSpec.user("net0"))
                .blockDevice(new BlockDeviceSpec("disk", Path.of("d.img"), true)).build();
        String m = assertThrows(ConfigurationException.class, () -> DeviceMatcher.check(spec, image)).getMessage();
        assertTrue(m.contains("USER networking") && m.contains("read-only"), m);
    }

    @Test
    void anImageWithoutDevicesSaysSo() {
        Solo5Image none = new Solo5Image(Path.of("hello.spt"), Tender.SPT, 2, List.of());
        UnikernelSpec spec = UnikernelSpec.builder("app", Path.of("a")).network(NetworkSpec.tap("service0")).build();
        String m = assertThrows(ConfigurationException.class, () -> DeviceMatcher.check(spec, none)).getMessage();
        assertTrue(m.contains("declared: no devices") && m.contains("declares no network devices"), m);
    }

    @Test
    void checksBlockFilesExistAndAreSectorAligned(@TempDir Path dir) throws IOException {
        Path good = Files.write(dir.resolve("good.img"), new byte[1024]);
        Path odd = Files.write(dir.resolve("odd.img"), new byte[700]);
        UnikernelSpec spec = UnikernelSpec.builder("app", Path.of("a"))
                .blockDevice(new BlockDeviceSpec("a", good, false))
                .blockDevice(new BlockDeviceSpec("b", odd, false))
                .blockDevice(new BlockDeviceSpec("c", dir.resolve("missing.img"), false)).build();
        String m = assertThrows(ConfigurationException.class, () -> DeviceMatcher.checkBlockFiles(spec)).getMessage();
        assertTrue(m.contains("700 bytes, not a multiple of 512") && m.contains("truncate -s 1024"), m);
        assertTrue(m.contains("missing.img of block device 'c' does not exist"), m);
        assertTrue(!m.contains("good.img"), m);
    }
}
