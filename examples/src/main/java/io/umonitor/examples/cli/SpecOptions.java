package io.umonitor.examples.cli;

import io.umonitor.api.BlockDeviceSpec;
import io.umonitor.api.ConfigurationException;
import io.umonitor.api.NetworkSpec;
import io.umonitor.api.RestartPolicy;
import io.umonitor.api.UnikernelSpec;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** The options of {@code run} (also used by the shell's {@code run}) that describe one unikernel. */
final class SpecOptions {
    @Parameters(index = "0", paramLabel = "IMAGE", description = "The unikernel image (Solo5 binary, kernel, or executable).")
    Path image;

    @Parameters(index = "1..*", paramLabel = "ARGS", description = "Arguments for the unikernel application (after --).")
    List<String> arguments = new ArrayList<>();

    @Option(names = "--name", description = "Unikernel name (default: the image's file name).")
    String name;

    @Option(names = "--backend", description = "Backend id: solo5, qemu, process or any other installed backend "
            + "(default: the only usable one; an unknown id lists those found).")
    String backend;

    @Option(names = "--mem", paramLabel = "MB", description = "Guest memory in MiB (default: the backend's).")
    int memoryMb;

    @Option(names = "--cpus", description = "Virtual CPUs (default: the backend's).")
    int cpus;

    @Option(names = "--net", paramLabel = "DEVICE[:tap|user]",
            description = "A network device, e.g. --net service0 (a tap) or --net net0:user (QEMU user networking).")
    List<String> networks = new ArrayList<>();

    @Option(names = "--block", paramLabel = "DEVICE=PATH", description = "A block device backed by a host file.")
    Map<String, Path> blocks = new LinkedHashMap<>();

    @Option(names = "--env", paramLabel = "KEY=VALUE", description = "An environment variable for the guest.")
    Map<String, String> environment = new LinkedHashMap<>();

    @Option(names = {"-o", "--option"}, paramLabel = "KEY=VALUE",
            description = "A backend option, e.g. -o qemu.accel=tcg or -o solo5.tender=spt.")
    Map<String, String> options = new LinkedHashMap<>();

    @Option(names = "--restart", paramLabel = "no|on-failure[:MAX]", defaultValue = "no",
            description = "Restart policy (default: ${DEFAULT-VALUE}); on-failure backs off from 1 s to 30 s.")
    String restart;

    UnikernelSpec toSpec() {
        String fileName = image.getFileName().toString();
        String defaultName = fileName.replaceAll("\\.(hvt|spt|bin|elf)$", "").replaceAll("[^A-Za-z0-9._-]", "-");
        UnikernelSpec.Builder b = UnikernelSpec.builder(name != null ? name : defaultName, image.toAbsolutePath().normalize())
                .backend(backend).memoryMb(memoryMb).cpus(cpus).arguments(arguments)
                .restartPolicy(restartPolicy(restart));
        for (String net : networks) {
            String[] parts = net.split(":", 2);
            NetworkSpec.Mode mode = parts.length == 1 || parts[1].equals("tap") ? NetworkSpec.Mode.TAP
                    : parts[1].equals("user") ? NetworkSpec.Mode.USER : null;
            if (mode == null) {
                throw new ConfigurationException("--net " + net + ": mode '" + parts[1] + "' is unknown: use tap or user");
            }
            b.network(new NetworkSpec(parts[0], mode, null));
        }
        blocks.forEach((device, path) -> b.blockDevice(new BlockDeviceSpec(device, path.toAbsolutePath(), false)));
        environment.forEach(b::environment);
        options.forEach(b::option);
        return b.build();
    }

    static RestartPolicy restartPolicy(String text) {
        if (text.equals("no") || text.equals("never")) {
            return RestartPolicy.NEVER;
        }
        if (text.startsWith("on-failure")) {
            int max = 5;
            if (text.startsWith("on-failure:")) {
                try {
                    max = Integer.parseInt(text.substring("on-failure:".length()));
                } catch (NumberFormatException e) {
                    throw new ConfigurationException("--restart " + text + ": the maximum must be a number, e.g. on-failure:3");
                }
            }
            return RestartPolicy.onFailure(max, Duration.ofSeconds(1), Duration.ofSeconds(30));
        }
        throw new ConfigurationException("--restart " + text + " is unknown: use no or on-failure[:MAX]");
    }
}
