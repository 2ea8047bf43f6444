package io.umonitor.core.backend.process;

import com.google.auto.service.AutoService;
import io.umonitor.api.ConfigurationException;
import io.umonitor.api.ExitInfo;
import io.umonitor.api.NetworkSpec;
import io.umonitor.api.UnikernelSpec;
import io.umonitor.api.Availability;
import io.umonitor.api.spi.GuestOutput;
import io.umonitor.api.spi.GuestParameters;
import io.umonitor.api.spi.ImageHeader;
import io.umonitor.api.spi.ImageRecognition;
import io.umonitor.api.spi.LaunchRequest;
import io.umonitor.api.spi.LaunchedUnikernel;
import io.umonitor.api.spi.ProviderContext;
import io.umonitor.api.spi.SettingsReader;
import io.umonitor.api.spi.UnikernelBackend;
import io.umonitor.kit.process.GuestExits;
import io.umonitor.kit.process.ProcessExit;
import io.umonitor.kit.process.ProcessUnikernel;
import io.umonitor.kit.process.SupervisedProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Runs a unikernel application built as a Linux user-space program (as Unikraft's linuxu platform
 * does): the development path, and the default that works on any Linux machine. Id {@code process}.
 *
 * <p>The spec's image is the executable, its arguments the program's arguments. The program gets this
 * JVM's environment plus, for its log client:
 * <ul>
 *   <li>{@code UMONITOR_NAME}: the unikernel's name</li>
 *   <li>{@code UMONITOR_TOKEN}: the per-launch token</li>
 *   <li>{@code UMONITOR_TCP}, {@code UMONITOR_UDP}: {@code host:port} of the loopback collectors</li>
 *   <li>{@code UMONITOR_BLOCK_<NAME>}: the host file of each block device</li>
 *   <li>each of the request's {@link LaunchRequest#guestParameters() guest parameters}, e.g.
 *       {@code UMONITOR_WS=ws://127.0.0.1:PORT/invoke} when the monitor runs an invocation gateway</li>
 * </ul>
 * and then the spec's environment, which may override any of them. USER network devices need nothing
 * (the process shares the host's network); TAP devices are refused. {@code memoryMb} and {@code cpus}
 * are not enforced.
 *
 * <p>Spec options: {@code process.workingDirectory} (default: the run directory),
 * {@code process.inheritEnvironment} ({@code true} or {@code false}, default true). Monitor settings
 * ({@code process.KEY}): {@code maxLineBytes} (default 393216: a longer console line is kept in pieces, the
 * later ones marked as continuations), {@code drainTimeoutMs} (default 2000).
 *
 * <p>Exit classification: exit code 0 is NORMAL, any other code FAILURE; a signal the program raises
 * itself (SIGSEGV, SIGABRT, SIGBUS, SIGILL, SIGFPE, SIGTRAP, SIGSYS, SIGXCPU, SIGXFSZ) is CRASH; any
 * other signal umonitor did not send (e.g. SIGKILL from the OOM killer or an operator) is KILLED; an end
 * after umonitor's stop is STOPPED. {@link ExitInfo#exitCode()} is the status the host reports, which
 * for a signal is {@code 128 + signal} as in a shell.
 *
 * @since 0.1
 */
@AutoService(UnikernelBackend.class)
public final class ProcessBackend implements UnikernelBackend {

    public static final String ID = "process";

    private static final String OPTION_WORKING_DIRECTORY = ID + ".workingDirectory";
    private static final String OPTION_INHERIT_ENVIRONMENT = ID + ".inheritEnvironment";
    private static final List<String> OPTIONS = List.of(OPTION_WORKING_DIRECTORY, OPTION_INHERIT_ENVIRONMENT);

    private volatile int maxLineBytes = SupervisedProcess.DEFAULT_MAX_LINE_BYTES;
    private volatile Duration drainTimeout = Duration.ofSeconds(2);

    /** No I/O: the monitor may construct backends it never uses. */
    public ProcessBackend() {
    }

    @Override
    public String id() {
        return ID;
    }

    @Override
    public String artifact() {
        return "io.umonitor:umonitor-core";
    }

    @Override
    public Availability availability() {
        String os = System.getProperty("os.name", "");
        if (!os.toLowerCase(Locale.ROOT).contains("linux")) {
            return Availability.unusable("the process backend runs Linux programs and this host runs " + os
                    + ": use a Linux host or another backend");
        }
        return Availability.usable();
    }

    /**
     * Recognises a script with a {@code #!} line and an ELF executable for this host's machine that is not
     * a unikernel kernel (no Solo5 ABI note, no multiboot header).
     */
    @Override
    public ImageRecognition recognise(Path image) {
        ImageHeader header = ImageHeader.read(image);
        if (header.shebang().isPresent()) {
            return ImageRecognition.recognised("a script run by " + header.shebang().get());
        }
        if (!header.isElf()) {
            return ImageRecognition.notRecognised("not an ELF executable or a #! script");
        }
        if (header.solo5AbiTarget().isPresent()) {
            return ImageRecognition.notRecognised("a Solo5 unikernel, not a Linux program");
        }
        if (header.multiboot() || header.linuxBzImage()) {
            return ImageRecognition.notRecognised("a bootable kernel, not a Linux program");
        }
        if (!header.isForThisHost()) {
            return ImageRecognition.notRecognised("an ELF file for " + header.machineName() + ", not for this host ("
                    + System.getProperty("os.arch") + ")");
        }
        return ImageRecognition.recognised("an ELF executable for this host (" + header.machineName() + ")");
    }

    @Override
    public void initialize(ProviderContext context) {
        SettingsReader settings = context.settings(ID, List.of("maxLineBytes", "drainTimeoutMs"));
        maxLineBytes = settings.integer("maxLineBytes", maxLineBytes, 4, Integer.MAX_VALUE);
        drainTimeout = settings.millis("drainTimeoutMs", drainTimeout, 0, Long.MAX_VALUE);
        settings.check("process backend");
    }

    @Override
    public LaunchedUnikernel launch(LaunchRequest request) {
        UnikernelSpec spec = request.spec();
        validate(spec);
        GuestOutput output = request.output();
        Path workingDirectory = spec.option(OPTION_WORKING_DIRECTORY).map(Path::of).orElse(request.runDirectory());
        boolean inherit = spec.option(OPTION_INHERIT_ENVIRONMENT).map(Boolean::parseBoolean).orElse(true);

        // Absolute: the program starts in the run directory, where a relative path would not resolve.
        SupervisedProcess.Builder builder = SupervisedProcess.builder(spec.image().toAbsolutePath())
                .arguments(spec.arguments())
                .inheritEnvironment(inherit)
                .workingDirectory(workingDirectory)
                .maxLineBytes(maxLineBytes)
                .drainTimeout(drainTimeout)
                .label(spec.name())
                .guestEnvironment(request);
        spec.blockDevices().forEach(b -> builder.environment(GuestParameters.block(b.name()), b.path().toString()));
        builder.environment(spec.environment());
        builder.output(SupervisedProcess.OutputConsumer.to(output));
        SupervisedProcess process = builder.start();
        // A Linux program runs its main() as soon as it is spawned; there is no boot to wait for.
        output.running();
        return new Launched(process, spec.image());
    }

    private static void validate(UnikernelSpec spec) {
        List<String> problems = new ArrayList<>();
        for (NetworkSpec net : spec.networks()) {
            if (net.mode() == NetworkSpec.Mode.TAP) {
                problems.add("network device '" + net.name() + "' is a TAP device, which a Linux process cannot "
                        + "be given: remove it (the process shares the host's network) or use the solo5 or qemu backend");
            }
        }
        Path image = spec.image();
        if (!Files.exists(image)) {
            problems.add("image '" + image + "' does not exist: for the process backend the image is the Linux "
                    + "program to run; build it or fix the path");
        } else if (!Files.isRegularFile(image) || !Files.isExecutable(image)) {
            problems.add("image '" + image + "' is not an executable file: for the process backend the image is the "
                    + "Linux program to run; build it or fix the path"
                    + (Files.isRegularFile(image) ? " (chmod +x it)" : ""));
        }
        for (String key : spec.options().keySet()) {
            if (key.startsWith(ID + ".") && !OPTIONS.contains(key)) {
                problems.add("option '" + key + "' is unknown: the process backend knows " + OPTIONS);
            }
        }
        spec.option(OPTION_INHERIT_ENVIRONMENT).ifPresent(v -> {
            if (!v.equals("true") && !v.equals("false")) {
                problems.add("option '" + OPTION_INHERIT_ENVIRONMENT + "' is '" + v + "': use true or false");
            }
        });
        spec.option(OPTION_WORKING_DIRECTORY).ifPresent(v -> {
            if (!Files.isDirectory(Path.of(v))) {
                problems.add("option '" + OPTION_WORKING_DIRECTORY + "' is '" + v + "', which is not a directory: "
                        + "create it or leave the option out to use the run directory");
            }
        });
        if (!problems.isEmpty()) {
            throw new ConfigurationException("unikernel '" + spec.name() + "' cannot run with the process backend: "
                    + String.join("; ", problems));
        }
    }

    /** How a process's end is reported; see the class documentation. */
    static ExitInfo classify(ProcessExit exit) {
        return GuestExits.ofGuestProcess(exit);
    }

    private static final class Launched extends ProcessUnikernel {
        private final Map<String, String> details;

        Launched(SupervisedProcess process, Path image) {
            super(process, ProcessBackend::classify);
            this.details = Map.of("pid", Long.toString(process.pid()), "image", image.toString(),
                    "gdb", "gdb -p " + process.pid());
        }

        @Override
        public Map<String, String> details() {
            return details;
        }
    }
}
