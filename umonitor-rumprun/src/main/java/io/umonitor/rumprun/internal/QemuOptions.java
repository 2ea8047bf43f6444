package io.umonitor.rumprun.internal;

import io.umonitor.api.ConfigurationException;
import io.umonitor.api.UnikernelSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * The {@code qemu.*} options of one launch spec, validated together so that one exception lists every
 * problem.
 *
 * @param accel acceleration ({@code qemu.accel}: auto, kvm, tcg)
 * @param flavour the kernel flavour, or null to detect it from the image ({@code qemu.flavour})
 * @param initrd an initial ramdisk, or null ({@code qemu.initrd})
 * @param extraAppend words added to the end of the kernel command line, or empty ({@code qemu.append})
 * @param debugExit whether to add an isa-debug-exit device: null means "when the flavour has one"
 *     ({@code qemu.debugExit}: auto, on, off)
 * @param gdbPort a loopback port for QEMU's gdb stub, or 0 for none ({@code qemu.gdb})
 * @param gdbWait start the CPU stopped until a debugger continues it ({@code qemu.gdbWait})
 * @param machine the QEMU machine type ({@code qemu.machine}, default {@code pc})
 * @param cpu the CPU model and features for {@code -cpu} ({@code qemu.cpu}, e.g. {@code host} or
 *     {@code qemu64,+avx2}), or null for QEMU's default
 * @param kvmWatchdog with auto acceleration, how long a guest may stay silent under KVM before KVM is
 *     deemed unable to run it and the guest is started again with TCG ({@code qemu.kvmWatchdog} in
 *     seconds, default 10, 0 to wait forever)
 * @param tokenOnCommandLine also put the log token on the kernel command line, for guests whose log
 *     client cannot read it from fw_cfg ({@code qemu.tokenOnCommandLine}, default false): every local
 *     user then reads it in {@code ps}
 */
public record QemuOptions(
        Accel accel,
        Flavour flavour,
        Path initrd,
        String extraAppend,
        Boolean debugExit,
        int gdbPort,
        boolean gdbWait,
        String machine,
        String cpu,
        java.time.Duration kvmWatchdog,
        boolean tokenOnCommandLine) {

    public static final String PREFIX = "qemu.";
    public static final List<String> KEYS = List.of("qemu.accel", "qemu.flavour", "qemu.initrd", "qemu.append",
            "qemu.debugExit", "qemu.gdb", "qemu.gdbWait", "qemu.machine", "qemu.cpu", "qemu.kvmWatchdog",
            "qemu.tokenOnCommandLine");

    public Optional<Flavour> requestedFlavour() {
        return Optional.ofNullable(flavour);
    }

    public Optional<Path> initrdPath() {
        return Optional.ofNullable(initrd);
    }

    /** Whether the guest gets an isa-debug-exit device, and at which port. */
    public OptionalInt debugExitPort(Flavour effective) {
        if (Boolean.FALSE.equals(debugExit)) {
            return OptionalInt.empty();
        }
        OptionalInt port = effective.debugExitPort();
        if (Boolean.TRUE.equals(debugExit) && port.isEmpty()) {
            return Flavour.MULTIBOOT.debugExitPort();
        }
        return port;
    }

    /**
     * @param defaultAccel the backend's {@code accel} setting, used when the spec has none
     * @throws ConfigurationException listing every unknown key and invalid value of the spec
     */
    public static QemuOptions from(UnikernelSpec spec, Accel defaultAccel) {
        Map<String, String> options = spec.options();
        List<String> problems = new ArrayList<>();
        options.keySet().stream()
                .filter(k -> k.startsWith(PREFIX) && !KEYS.contains(k))
                .sorted()
                .forEach(k -> problems.add("unknown option '" + k + "' (known: " + String.join(", ", KEYS) + ")"));

        Accel accel = defaultAccel;
        Flavour flavour = null;
        Path initrd = null;
        Boolean debugExit = null;
        int gdbPort = 0;
        boolean gdbWait = false;
        try {
            if (options.containsKey("qemu.accel")) {
                accel = Accel.parse("qemu.accel", options.get("qemu.accel"));
            }
        } catch (ConfigurationException e) {
            problems.add(e.getMessage());
        }
        try {
            if (options.containsKey("qemu.flavour")) {
                flavour = Flavour.parseOrAuto("qemu.flavour", options.get("qemu.flavour"));
            }
        } catch (ConfigurationException e) {
            problems.add(e.getMessage());
        }
        String initrdValue = options.get("qemu.initrd");
        if (initrdValue != null) {
            initrd = Path.of(initrdValue);
            if (!Files.isReadable(initrd)) {
                problems.add("qemu.initrd='" + initrdValue + "' is not a readable file: give the path of an existing initrd");
            }
        }
        String debugExitValue = options.get("qemu.debugExit");
        if (debugExitValue != null) {
            switch (debugExitValue.trim().toLowerCase(java.util.Locale.ROOT)) {
                case "auto" -> debugExit = null;
                case "on", "true" -> debugExit = Boolean.TRUE;
                case "off", "false" -> debugExit = Boolean.FALSE;
                default -> problems.add("qemu.debugExit='" + debugExitValue + "' is unknown: use auto, on or off");
            }
        }
        String gdbValue = options.get("qemu.gdb");
        if (gdbValue != null) {
            try {
                gdbPort = Integer.parseInt(gdbValue.trim());
                if (gdbPort < 0 || gdbPort > 65535) {
                    throw new NumberFormatException();
                }
            } catch (NumberFormatException e) {
                problems.add("qemu.gdb='" + gdbValue + "' is not a port: use 1..65535 (0 for no gdb stub)");
            }
        }
        String gdbWaitValue = options.get("qemu.gdbWait");
        if (gdbWaitValue != null) {
            if (gdbWaitValue.equalsIgnoreCase("true") || gdbWaitValue.equalsIgnoreCase("false")) {
                gdbWait = Boolean.parseBoolean(gdbWaitValue);
            } else {
                problems.add("qemu.gdbWait='" + gdbWaitValue + "' is not a boolean: use true or false");
            }
        }
        if (gdbWait && gdbPort == 0) {
            problems.add("qemu.gdbWait=true needs qemu.gdb=PORT: without a debugger stub nothing could start the CPU");
        }
        java.time.Duration kvmWatchdog = java.time.Duration.ofSeconds(10);
        String watchdogValue = options.get("qemu.kvmWatchdog");
        if (watchdogValue != null) {
            try {
                long seconds = Long.parseLong(watchdogValue.trim());
                if (seconds < 0) {
                    throw new NumberFormatException();
                }
                kvmWatchdog = java.time.Duration.ofSeconds(seconds);
            } catch (NumberFormatException e) {
                problems.add("qemu.kvmWatchdog='" + watchdogValue + "' is not a number of seconds: use 0 or more");
            }
        }
        boolean tokenOnCommandLine = false;
        String tokenValue = options.get("qemu.tokenOnCommandLine");
        if (tokenValue != null) {
            if (tokenValue.trim().equalsIgnoreCase("true") || tokenValue.trim().equalsIgnoreCase("false")) {
                tokenOnCommandLine = Boolean.parseBoolean(tokenValue.trim());
            } else {
                problems.add("qemu.tokenOnCommandLine='" + tokenValue + "' is not a boolean: use true (only for guests "
                        + "whose log client cannot read the token from fw_cfg; other users then see it in ps) or false");
            }
        }
        String machine = options.getOrDefault("qemu.machine", "pc").trim();
        if (!machine.matches("[A-Za-z0-9._-]+")) {
            problems.add("qemu.machine='" + machine + "' is invalid: use a machine type such as pc or q35");
        }
        String cpu = options.get("qemu.cpu");
        if (cpu != null) {
            cpu = cpu.trim();
            if (!cpu.matches("[A-Za-z0-9._-]+(,[+-]?[A-Za-z0-9._=-]+)*")) {
                problems.add("qemu.cpu='" + options.get("qemu.cpu") + "' is invalid: use a CPU model and features as "
                        + "qemu-system-x86_64 -cpu takes them, e.g. host or qemu64,+avx2 (qemu-system-x86_64 -cpu help lists them)");
            }
        }
        if (!problems.isEmpty()) {
            throw new ConfigurationException("QEMU options of unikernel '" + spec.name() + "' are invalid: "
                    + String.join("; ", problems));
        }
        return new QemuOptions(accel, flavour, initrd, options.getOrDefault("qemu.append", "").trim(), debugExit,
                gdbPort, gdbWait, machine, cpu, kvmWatchdog, tokenOnCommandLine);
    }
}
