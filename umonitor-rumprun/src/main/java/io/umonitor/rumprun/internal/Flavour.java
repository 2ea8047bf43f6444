package io.umonitor.rumprun.internal;

import io.umonitor.api.ConfigurationException;
import java.util.Locale;
import java.util.OptionalInt;

/**
 * The kind of kernel QEMU boots: decides the kernel command line, which console markers mean what,
 * and where the guest signals its exit code.
 */
public enum Flavour {
    /** Rumprun: JSON configuration in the command line, main()/_exit/PANIC/halted console markers. */
    RUMPRUN(OptionalInt.empty()),
    /** Any multiboot (or Linux) kernel: plain command line, exit code through isa-debug-exit at 0xf4. */
    MULTIBOOT(OptionalInt.of(0xf4)),
    /** Unikraft: {@code netdev.ip=} and {@code --} before the arguments, isa-debug-exit at 0x501. */
    UNIKRAFT(OptionalInt.of(0x501));

    /** Unikraft writes this to the debug-exit port for a normal halt... */
    public static final int UNIKRAFT_HALT = 41;
    /** ...and this for a crash. */
    public static final int UNIKRAFT_CRASH = 42;

    private final OptionalInt debugExitPort;

    Flavour(OptionalInt debugExitPort) {
        this.debugExitPort = debugExitPort;
    }

    /** The isa-debug-exit port this flavour's guests write their exit code to, if any. */
    public OptionalInt debugExitPort() {
        return debugExitPort;
    }

    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Parses a flavour name; null for {@code auto}. */
    public static Flavour parseOrAuto(String key, String value) {
        String v = value.trim().toLowerCase(Locale.ROOT);
        if (v.equals("auto")) {
            return null;
        }
        for (Flavour f : values()) {
            if (f.id().equals(v)) {
                return f;
            }
        }
        throw new ConfigurationException(key + "='" + value + "' is unknown: use auto, rumprun, multiboot or unikraft");
    }
}
