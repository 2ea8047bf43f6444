package io.umonitor.solo5;

import io.umonitor.api.BlockDeviceSpec;
import io.umonitor.api.ConfigurationException;
import io.umonitor.api.NetworkSpec;
import io.umonitor.api.UnikernelSpec;
import io.umonitor.solo5.Solo5Image.DeviceType;
import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;

/**
 * Checks a spec's devices against an image's manifest before the tender does, so that every mismatch
 * is reported at once (the tender stops at the first) and names the spec's side of the fix.
 */
final class DeviceMatcher {

    /** Solo5 block devices are addressed in sectors of at least this size; a backing file must be a multiple. */
    static final long SECTOR_SIZE = 512;

    private DeviceMatcher() {
    }

    /** @throws ConfigurationException listing every missing, extra, mistyped or unusable device */
    static void check(UnikernelSpec spec, Solo5Image image) {
        List<String> problems = new ArrayList<>();
        List<String> declaredNets = image.deviceNames(DeviceType.NET_BASIC);
        List<String> declaredBlocks = image.deviceNames(DeviceType.BLOCK_BASIC);
        List<String> specNets = spec.networks().stream().map(NetworkSpec::name).toList();
        List<String> specBlocks = spec.blockDevices().stream().map(BlockDeviceSpec::name).toList();

        for (NetworkSpec net : spec.networks()) {
            if (net.mode() == NetworkSpec.Mode.USER) {
                problems.add("network device '" + net.name() + "' asks for USER networking, which Solo5 does not "
                        + "have: use NetworkSpec.tap(\"" + net.name() + "\")");
            }
            if (declaredBlocks.contains(net.name())) {
                problems.add("'" + net.name() + "' is a network device in the spec but the image declares it as "
                        + "BLOCK_BASIC: give it as a block device");
            } else if (!declaredNets.contains(net.name())) {
                problems.add("network device '" + net.name() + "' is not declared by the image: remove it from the "
                        + "spec" + declared(declaredNets, "network"));
            }
        }
        for (BlockDeviceSpec block : spec.blockDevices()) {
            if (declaredNets.contains(block.name())) {
                problems.add("'" + block.name() + "' is a block device in the spec but the image declares it as "
                        + "NET_BASIC: give it as a network device");
            } else if (!declaredBlocks.contains(block.name())) {
                problems.add("block device '" + block.name() + "' is not declared by the image: remove it from the "
                        + "spec" + declared(declaredBlocks, "block"));
            }
            if (block.readOnly()) {
                problems.add("block device '" + block.name() + "' is read-only, which Solo5 cannot enforce (the "
                        + "tender opens every block device read-write): use readOnly=false, on a copy if needed");
            }
        }
        for (String name : declaredNets) {
            if (!specNets.contains(name) && !specBlocks.contains(name)) {
                problems.add("the image declares network device '" + name + "' (NET_BASIC) but the spec does not "
                        + "attach it: add NetworkSpec.tap(\"" + name + "\")");
            }
        }
        for (String name : declaredBlocks) {
            if (!specNets.contains(name) && !specBlocks.contains(name)) {
                problems.add("the image declares block device '" + name + "' (BLOCK_BASIC) but the spec does not "
                        + "attach it: add a BlockDeviceSpec named '" + name + "'");
            }
        }
        if (!problems.isEmpty()) {
            throw new ConfigurationException("unikernel '" + spec.name() + "' does not match the manifest of "
                    + image.path() + " (declared: " + describe(image) + "): " + String.join("; ", problems));
        }
    }

    /** @throws ConfigurationException listing every block backing file that is missing or not sector-aligned */
    static void checkBlockFiles(UnikernelSpec spec) {
        List<String> problems = new ArrayList<>();
        for (BlockDeviceSpec block : spec.blockDevices()) {
            if (!Files.exists(block.path())) {
                problems.add("the file " + block.path() + " of block device '" + block.name() + "' does not exist: "
                        + "create it (e.g. truncate -s 16M " + block.path() + ")");
                continue;
            }
            if (Files.isRegularFile(block.path())) {
                try {
                    long size = Files.size(block.path());
                    if (size % SECTOR_SIZE != 0) {
                        problems.add("the file " + block.path() + " of block device '" + block.name() + "' is "
                                + size + " bytes, not a multiple of " + SECTOR_SIZE + ": resize it (e.g. truncate -s "
                                + ((size / SECTOR_SIZE + 1) * SECTOR_SIZE) + ")");
                    }
                } catch (IOException e) {
                    problems.add("cannot read the size of " + block.path() + " (" + e.getMessage() + ")");
                }
            }
            if (!Files.isReadable(block.path()) || !Files.isWritable(block.path())) {
                problems.add("the file " + block.path() + " of block device '" + block.name() + "' is not readable "
                        + "and writable by umonitor: fix its permissions");
            }
        }
        if (!problems.isEmpty()) {
            throw new ConfigurationException("block devices of unikernel '" + spec.name() + "' cannot be attached: "
                    + String.join("; ", problems));
        }
    }

    private static String declared(List<String> names, String kind) {
        return names.isEmpty() ? " (the image declares no " + kind + " devices)"
                : " or rename it to one the image declares " + names;
    }

    private static String describe(Solo5Image image) {
        if (image.devices().isEmpty()) {
            return "no devices";
        }
        return String.join(", ", image.devices().stream().map(d -> d.name() + " " + d.type()).toList());
    }
}
