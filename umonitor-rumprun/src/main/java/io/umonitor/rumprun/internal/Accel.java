package io.umonitor.rumprun.internal;

import io.umonitor.api.ConfigurationException;
import java.util.Locale;

/** The {@code qemu.accel} setting. */
public enum Accel {
    /** KVM when /dev/kvm is usable, TCG otherwise or when KVM fails while the guest runs. */
    AUTO,
    /** KVM or fail. */
    KVM,
    /** QEMU's software emulator; works everywhere. */
    TCG;

    public static Accel parse(String key, String value) {
        try {
            return valueOf(value.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new ConfigurationException(key + "='" + value + "' is unknown: use auto, kvm or tcg");
        }
    }

    public String qemuName() {
        return name().toLowerCase(Locale.ROOT);
    }
}
