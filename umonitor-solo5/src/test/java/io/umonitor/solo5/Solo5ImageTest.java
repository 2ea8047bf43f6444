package io.umonitor.solo5;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.umonitor.api.ConfigurationException;
import io.umonitor.solo5.Solo5Image.Device;
import io.umonitor.solo5.Solo5Image.DeviceType;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class Solo5ImageTest {
    private static final Path IMAGE = Path.of("/images/app.hvt");

    @Test
    void readsTheJsonSolo5ElftoolPrints() {
        // Exactly as solo5-elftool v0.12.1 prints them (pretty-printed, one device per line).
        String manifest = """
                {
                  "type": "solo5.manifest",
                  "version": 1,
                  "devices": [
                    { "name": "service0", "type": "NET_BASIC" },
                    { "name": "storage", "type": "BLOCK_BASIC" }
                  ]
                }
                """;
        String abi = "{\n  \"type\": \"solo5.abi\",\n  \"target\": \"hvt\",\n  \"version\": 2\n}\n";
        Solo5Image image = Solo5Image.parse(IMAGE, manifest, abi);
        assertEquals(Tender.HVT, image.target());
        assertEquals(2, image.abiVersion());
        assertEquals(List.of(new Device("service0", DeviceType.NET_BASIC), new Device("storage", DeviceType.BLOCK_BASIC)),
                image.devices());
        assertEquals(List.of("service0"), image.deviceNames(DeviceType.NET_BASIC));
    }

    @Test
    void readsTheCompactFormFromTheIssue() {
        Solo5Image image = Solo5Image.parse(IMAGE, "{\"type\":\"solo5.manifest\",\"version\":1,\"devices\":[]}",
                "{\"type\":\"solo5.abi\",\"target\":\"spt\",\"version\":2}");
        assertEquals(Tender.SPT, image.target());
        assertTrue(image.devices().isEmpty());
    }

    @Test
    void refusesATargetUmonitorCannotRun() {
        ConfigurationException e = assertThrows(ConfigurationException.class, () -> Solo5Image.parse(IMAGE,
                "{\"type\":\"solo5.manifest\",\"version\":1,\"devices\":[]}",
                "{\"type\":\"solo5.abi\",\"target\":\"xen\",\"version\":2}"));
        assertTrue(e.getMessage().contains("'xen'") && e.getMessage().contains("hvt or spt"), e.getMessage());
    }

    @Test
    void refusesUnknownDeviceTypesAndGarbage() {
        String abi = "{\"type\":\"solo5.abi\",\"target\":\"spt\",\"version\":2}";
        ConfigurationException unknownType = assertThrows(ConfigurationException.class, () -> Solo5Image.parse(IMAGE,
                "{\"type\":\"solo5.manifest\",\"version\":1,\"devices\":[{\"name\":\"x\",\"type\":\"PCI\"}]}", abi));
        assertTrue(unknownType.getMessage().contains("'PCI'"), unknownType.getMessage());
        ConfigurationException garbage = assertThrows(ConfigurationException.class,
                () -> Solo5Image.parse(IMAGE, "not json", abi));
        assertTrue(garbage.getMessage().contains("query-manifest") && garbage.getMessage().contains(IMAGE.toString()),
                garbage.getMessage());
        ConfigurationException wrongType = assertThrows(ConfigurationException.class,
                () -> Solo5Image.parse(IMAGE, abi, abi));
        assertTrue(wrongType.getMessage().contains("solo5.manifest"), wrongType.getMessage());
    }

    @Test
    void parsesTheTenderVersionLines() {
        TenderVersion v = TenderVersion.parse("solo5-spt tender, version v0.12.1\nABI version 2\n").orElseThrow();
        assertEquals("v0.12.1", v.version());
        assertEquals(2, v.abiVersion());
        assertTrue(TenderVersion.parse("usage: solo5-spt ...").isEmpty());
    }
}
