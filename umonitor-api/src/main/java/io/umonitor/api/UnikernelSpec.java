package io.umonitor.api;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What to launch. Build one with {@link #builder(String, Path)}; validation happens in the
 * constructor and reports every problem at once.
 *
 * @param name unique name of the unikernel within a monitor (see {@link Names})
 * @param image the unikernel image (a Solo5 binary, a kernel for QEMU, an executable for the process backend)
 * @param backend id of the backend to use, or null to use the only usable one
 * @param memoryMb guest memory in MiB, or 0 for the backend's default
 * @param cpus virtual CPUs, or 0 for the backend's default
 * @param arguments arguments passed to the unikernel application
 * @param networks network devices, in order
 * @param blockDevices block devices, in order
 * @param environment environment variables (for backends whose guests have an environment)
 * @param restartPolicy what to do when the unikernel ends
 * @param options backend-specific settings, keys prefixed by the backend id (e.g. {@code qemu.accel=tcg});
 *     each backend documents its keys and rejects unknown ones that carry its prefix
 * @since 0.1
 */
public record UnikernelSpec(
        String name,
        Path image,
        String backend,
        int memoryMb,
        int cpus,
        List<String> arguments,
        List<NetworkSpec> networks,
        List<BlockDeviceSpec> blockDevices,
        Map<String, String> environment,
        RestartPolicy restartPolicy,
        Map<String, String> options) {

    public UnikernelSpec {
        List<String> problems = new ArrayList<>();
        if (!Names.isValidUnikernelName(name)) {
            problems.add("name '" + name + "' is invalid: use 1 to 63 letters, digits, '.', '_' or '-', "
                    + "starting with a letter or digit");
        }
        if (image == null) {
            problems.add("image is missing: give the path of the unikernel image");
        }
        if (memoryMb < 0) {
            problems.add("memoryMb is " + memoryMb + ": use 0 for the backend default or a positive size");
        }
        if (cpus < 0) {
            problems.add("cpus is " + cpus + ": use 0 for the backend default or a positive count");
        }
        arguments = arguments == null ? List.of() : List.copyOf(arguments);
        networks = networks == null ? List.of() : List.copyOf(networks);
        blockDevices = blockDevices == null ? List.of() : List.copyOf(blockDevices);
        environment = environment == null ? Map.of() : Map.copyOf(environment);
        options = options == null ? Map.of() : Map.copyOf(options);
        if (restartPolicy == null) {
            restartPolicy = RestartPolicy.NEVER;
        }
        List<String> deviceNames = new ArrayList<>();
        networks.forEach(n -> deviceNames.add(n.name()));
        blockDevices.forEach(b -> deviceNames.add(b.name()));
        for (int i = 0; i < deviceNames.size(); i++) {
            if (deviceNames.subList(0, i).contains(deviceNames.get(i))) {
                problems.add("device name '" + deviceNames.get(i) + "' is used twice: give each device its own name");
            }
        }
        if (!problems.isEmpty()) {
            throw new ConfigurationException("unikernel spec"
                    + (Names.isValidUnikernelName(name) ? " '" + name + "'" : "") + " is invalid: "
                    + String.join("; ", problems));
        }
    }

    public static Builder builder(String name, Path image) {
        return new Builder(name, image);
    }

    public Optional<String> backendId() {
        return Optional.ofNullable(backend);
    }

    /** The value of a backend-specific option. */
    public Optional<String> option(String key) {
        return Optional.ofNullable(options.get(key));
    }

    /** A builder starting from this spec, e.g. to change only the name. */
    public Builder toBuilder() {
        Builder b = new Builder(name, image).backend(backend).memoryMb(memoryMb).cpus(cpus)
                .arguments(arguments).restartPolicy(restartPolicy);
        networks.forEach(b::network);
        blockDevices.forEach(b::blockDevice);
        b.environment.putAll(environment);
        b.options.putAll(options);
        return b;
    }

    /** Builds a {@link UnikernelSpec}; not thread-safe. */
    public static final class Builder {
        private String name;
        private Path image;
        private String backend;
        private int memoryMb;
        private int cpus;
        private final List<String> arguments = new ArrayList<>();
        private final List<NetworkSpec> networks = new ArrayList<>();
        private final List<BlockDeviceSpec> blockDevices = new ArrayList<>();
        private final Map<String, String> environment = new LinkedHashMap<>();
        private RestartPolicy restartPolicy = RestartPolicy.NEVER;
        private final Map<String, String> options = new LinkedHashMap<>();

        private Builder(String name, Path image) {
            this.name = name;
            this.image = image;
        }

        public Builder name(String value) {
            this.name = value;
            return this;
        }

        public Builder image(Path value) {
            this.image = value;
            return this;
        }

        public Builder backend(String value) {
            this.backend = value;
            return this;
        }

        public Builder memoryMb(int value) {
            this.memoryMb = value;
            return this;
        }

        public Builder cpus(int value) {
            this.cpus = value;
            return this;
        }

        public Builder arguments(List<String> values) {
            arguments.clear();
            arguments.addAll(values);
            return this;
        }

        public Builder argument(String value) {
            arguments.add(value);
            return this;
        }

        public Builder network(NetworkSpec value) {
            networks.add(value);
            return this;
        }

        public Builder blockDevice(BlockDeviceSpec value) {
            blockDevices.add(value);
            return this;
        }

        public Builder environment(String key, String value) {
            environment.put(key, value);
            return this;
        }

        public Builder restartPolicy(RestartPolicy value) {
            this.restartPolicy = value;
            return this;
        }

        public Builder option(String key, String value) {
            options.put(key, value);
            return this;
        }

        public UnikernelSpec build() {
            return new UnikernelSpec(name, image, backend, memoryMb, cpus, arguments, networks, blockDevices,
                    environment, restartPolicy, options);
        }
    }
}
