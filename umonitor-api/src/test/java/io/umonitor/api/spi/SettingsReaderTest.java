package io.umonitor.api.spi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.umonitor.api.ConfigurationException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SettingsReaderTest {

    @Test
    void everyBadValueAndUnknownKeyIsNamedWithItsPrefixAndFixInOneError() {
        SettingsReader s = new SettingsReader("vmm", Map.of("size", "ten", "depth", "0", "address", "nowhere",
                "verbose", "maybe", "colour", "red"), List.of("size", "depth", "address", "verbose"));
        assertEquals(5, s.integer("size", 5, 1, 100));
        assertEquals(7, s.integer("depth", 7, 1, 100));
        assertEquals(new InetSocketAddress(0), s.address("address", new InetSocketAddress(0)));
        assertFalse(s.bool("verbose", false));
        ConfigurationException e = assertThrows(ConfigurationException.class, () -> s.check("vmm backend"));
        assertEquals("vmm backend settings are invalid: unknown setting(s) [vmm.colour]: known vmm.* settings are "
                + "[size, depth, address, verbose]; vmm.size is 'ten': use a whole number; "
                + "vmm.depth is '0': use 1 to 100; vmm.address is 'nowhere': use host:port (e.g. 127.0.0.1:7070, "
                + "port 0 for any) or 'off'; vmm.verbose is 'maybe': use true or false", e.getMessage());
    }

    @Test
    void validValuesAreReadTrimmedAndUnsetOnesFallBack() {
        SettingsReader s = new SettingsReader("log", Map.of("n", " 42 ", "t", "250", "on", "yes", "at", "off",
                "to", "[::1]:0"), List.of("n", "t", "on", "at", "to", "unset"));
        assertEquals(42, s.integer("n", 1, 1, 100));
        assertEquals(Duration.ofMillis(250), s.millis("t", Duration.ZERO, 1, 1000));
        assertTrue(s.bool("on", false));
        assertNull(s.address("at", new InetSocketAddress(1)), "off means none");
        assertEquals(0, s.address("to", null).getPort());
        assertEquals(Duration.ofSeconds(3), s.millis("unset", Duration.ofSeconds(3), 1, 10));
        assertEquals("fallback", s.string("unset", "fallback"));
        s.check("log");
        assertEquals(List.of(), s.problems());
    }

    @Test
    void aValueOutOfRangeWithNoUpperBoundSaysTheLeastAllowed() {
        SettingsReader s = new SettingsReader("p", Map.of("n", "-1"), List.of("n"));
        assertEquals(3L, s.longInteger("n", 3, 0, Long.MAX_VALUE));
        assertEquals(List.of("p.n is '-1': use 0 or more"), s.problems());
    }

    @Test
    void aPortOutsideItsRangeIsRefusedWithTheFix() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> SettingsReader.parseAddress("127.0.0.1:70000"));
        assertTrue(e.getMessage().contains("70000") && e.getMessage().contains("use host:port"), e.getMessage());
    }
}
