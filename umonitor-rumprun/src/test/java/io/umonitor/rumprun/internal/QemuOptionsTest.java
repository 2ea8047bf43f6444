package io.umonitor.rumprun.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.umonitor.api.ConfigurationException;
import io.umonitor.api.UnikernelSpec;
import java.nio.file.Path;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;

class QemuOptionsTest {

    @Test
    void everyProblemIsReportedAtOnce() {
        UnikernelSpec spec = UnikernelSpec.builder("x", Path.of("/img/x")).option("qemu.accel", "hvf")
                .option("qemu.flavour", "osv").option("qemu.colour", "red").option("qemu.gdb", "port")
                .option("solo5.other", "ignored").build();
        ConfigurationException e = assertThrows(ConfigurationException.class, () -> QemuOptions.from(spec, Accel.AUTO));
        String m = e.getMessage();
        assertTrue(m.contains("'qemu.colour'") && m.contains("qemu.accel='hvf'") && m.contains("qemu.flavour='osv'")
                && m.contains("qemu.gdb='port'"), m);
        assertTrue(!m.contains("solo5.other"), "other backends' options are theirs: " + m);
    }

    @Test
    void defaultsComeFromTheBackendAndTheFlavour() {
        QemuOptions o = QemuOptions.from(UnikernelSpec.builder("x", Path.of("/img/x")).build(), Accel.TCG);
        assertEquals(Accel.TCG, o.accel());
        assertNull(o.flavour());
        assertEquals("pc", o.machine());
        assertEquals(OptionalInt.of(0xf4), o.debugExitPort(Flavour.MULTIBOOT));
        assertEquals(OptionalInt.of(0x501), o.debugExitPort(Flavour.UNIKRAFT));
        assertEquals(OptionalInt.empty(), o.debugExitPort(Flavour.RUMPRUN));
    }

    @Test
    void theCpuModelIsPassedAsGivenAndAnUnsafeOneIsRefused() {
        assertEquals("host,+avx2", QemuOptions.from(UnikernelSpec.builder("x", Path.of("/img/x"))
                .option("qemu.cpu", " host,+avx2 ").build(), Accel.TCG).cpu());
        assertNull(QemuOptions.from(UnikernelSpec.builder("x", Path.of("/img/x")).build(), Accel.TCG).cpu());
        ConfigurationException e = assertThrows(ConfigurationException.class, () -> QemuOptions.from(
                UnikernelSpec.builder("x", Path.of("/img/x")).option("qemu.cpu", "host -device foo").build(), Accel.TCG));
        assertTrue(e.getMessage().contains("qemu.cpu='host -device foo'") && e.getMessage().contains("-cpu help"),
                e.getMessage());
    }

    @Test
    void debugExitCanBeForcedOnOrOff() {
        QemuOptions on = QemuOptions.from(UnikernelSpec.builder("x", Path.of("/x")).option("qemu.debugExit", "on")
                .option("qemu.flavour", "rumprun").option("qemu.accel", "kvm").build(), Accel.AUTO);
        assertEquals(OptionalInt.of(0xf4), on.debugExitPort(Flavour.RUMPRUN));
        assertEquals(Flavour.RUMPRUN, on.flavour());
        assertEquals(Accel.KVM, on.accel());
        QemuOptions off = QemuOptions.from(UnikernelSpec.builder("x", Path.of("/x")).option("qemu.debugExit", "off")
                .build(), Accel.AUTO);
        assertEquals(OptionalInt.empty(), off.debugExitPort(Flavour.UNIKRAFT));
    }

    @Test
    void gdbWaitWithoutAPortCouldNeverStart() {
        UnikernelSpec spec = UnikernelSpec.builder("x", Path.of("/x")).option("qemu.gdbWait", "true").build();
        ConfigurationException e = assertThrows(ConfigurationException.class, () -> QemuOptions.from(spec, Accel.AUTO));
        assertTrue(e.getMessage().contains("qemu.gdb=PORT"), e.getMessage());
    }
}
