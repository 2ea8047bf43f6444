package io.umonitor.api;

import java.nio.file.Path;
import java.util.Objects;

/**
 * One block device of a unikernel, backed by a host file.
 *
 * @param name the device name the unikernel knows it by (e.g. a Solo5 manifest name such as {@code storage})
 * @param path the host file
 * @param readOnly whether the guest may only read it
 * @since 0.1
 */
public record BlockDeviceSpec(String name, Path path, boolean readOnly) {
    public BlockDeviceSpec {
        if (name == null || !name.matches("[A-Za-z0-9_]{1,31}")) {
            throw new ConfigurationException("block device name '" + name
                    + "' is invalid: use 1 to 31 letters, digits or '_' (e.g. 'storage')");
        }
        Objects.requireNonNull(path, "path");
    }
}
