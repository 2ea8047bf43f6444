package io.umonitor.api;

import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * One network device of a unikernel.
 *
 * @param name the device name the unikernel knows it by (a Solo5 manifest name such as
 *     {@code service0}, or a label such as {@code net0} for QEMU)
 * @param mode who provides the host side
 * @param mac the guest MAC address ({@code 52:54:00:12:34:56}); null to let the provisioner choose a
 *     stable one
 * @since 0.1
 */
public record NetworkSpec(String name, Mode mode, String mac) {

    private static final Pattern MAC = Pattern.compile("[0-9a-fA-F]{2}(:[0-9a-fA-F]{2}){5}");
    private static final Pattern DEVICE_NAME = Pattern.compile("[A-Za-z0-9_]{1,31}");

    public enum Mode {
        /** A host tap device created by a {@link io.umonitor.api.spi.NetworkProvisioner}. */
        TAP,
        /** Networking the backend provides without host devices (QEMU user-mode networking). */
        USER
    }

    public NetworkSpec {
        Objects.requireNonNull(mode, "mode");
        if (name == null || !DEVICE_NAME.matcher(name).matches()) {
            throw new ConfigurationException("network device name '" + name
                    + "' is invalid: use 1 to 31 letters, digits or '_' (e.g. 'service0')");
        }
        if (mac != null && !MAC.matcher(mac).matches()) {
            throw new ConfigurationException("MAC address '" + mac + "' of network device '" + name
                    + "' is invalid: use six hex pairs separated by ':' (e.g. 52:54:00:12:34:56)");
        }
    }

    public static NetworkSpec tap(String name) {
        return new NetworkSpec(name, Mode.TAP, null);
    }

    public static NetworkSpec user(String name) {
        return new NetworkSpec(name, Mode.USER, null);
    }

    public Optional<String> requestedMac() {
        return Optional.ofNullable(mac);
    }
}
