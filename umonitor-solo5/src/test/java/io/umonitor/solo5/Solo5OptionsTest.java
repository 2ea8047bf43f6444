package io.umonitor.solo5;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.umonitor.api.ConfigurationException;
import io.umonitor.api.UnikernelSpec;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class Solo5OptionsTest {

    private static UnikernelSpec.Builder spec() {
        return UnikernelSpec.builder("app", Path.of("app.spt"));
    }

    @Test
    void defaults() {
        Solo5Options o = Solo5Options.of(spec().option("qemu.accel", "tcg").build());
        assertEquals(Optional.empty(), o.tender());
        assertFalse(o.debug());
        assertFalse(o.mirage());
        assertEquals(Optional.empty(), o.umonitorArguments(), "unset: decided by whether the image links a client");
        assertEquals(Optional.empty(), o.cpus());
    }

    @Test
    void readsEveryOption() {
        Solo5Options o = Solo5Options.of(spec().option("solo5.tender", "hvt").option("solo5.debug", "true")
                .option("solo5.gdb-port", "4321").option("solo5.cpus", "0,2-3").option("solo5.mirage", "TRUE")
                .option("solo5.umonitor-arguments", "false").build());
        assertEquals(Optional.of(Tender.HVT), o.tender());
        assertTrue(o.debug());
        assertEquals(4321, o.gdbPort());
        assertEquals(Optional.of("0,2-3"), o.cpus());
        assertTrue(o.mirage());
        assertEquals(Optional.of(false), o.umonitorArguments());
    }

    @Test
    void reportsEveryProblemAtOnce() {
        ConfigurationException e = assertThrows(ConfigurationException.class, () -> Solo5Options.of(spec()
                .option("solo5.tender", "xen").option("solo5.debug", "yes").option("solo5.cpus", "all")
                .option("solo5.gdb-port", "99999").option("solo5.colour", "red").build()));
        String m = e.getMessage();
        for (String expected : new String[] {"solo5.colour", "solo5.tender='xen'", "solo5.debug='yes'",
            "solo5.cpus='all'", "solo5.gdb-port='99999'", "'app'"}) {
            assertTrue(m.contains(expected), "missing " + expected + " in: " + m);
        }
    }

    @Test
    void debugNeedsHvt() {
        ConfigurationException e = assertThrows(ConfigurationException.class, () -> Solo5Options.of(
                spec().option("solo5.debug", "true").option("solo5.tender", "spt").build()));
        assertTrue(e.getMessage().contains("solo5-hvt-debug"), e.getMessage());
    }
}
