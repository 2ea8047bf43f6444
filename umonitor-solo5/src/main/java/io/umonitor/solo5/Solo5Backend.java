package io.umonitor.solo5;

import com.google.auto.service.AutoService;
import io.umonitor.api.BackendUnavailableException;
import io.umonitor.api.ConfigurationException;
import io.umonitor.api.LaunchException;
import io.umonitor.api.LogLevel;
import io.umonitor.api.UnikernelSpec;
import io.umonitor.api.Availability;
import io.umonitor.api.spi.GuestOutput;
import io.umonitor.api.spi.ImageHeader;
import io.umonitor.api.spi.ImageRecognition;
import io.umonitor.api.spi.LaunchRequest;
import io.umonitor.api.spi.LaunchedUnikernel;
import io.umonitor.api.spi.ProviderContext;
import io.umonitor.api.spi.UnikernelBackend;
import io.umonitor.kit.host.Executables;
import io.umonitor.kit.host.HostChecks;
import io.umonitor.kit.host.NetworkNamespace;
import io.umonitor.kit.process.SupervisedProcess;
import io.umonitor.kit.process.ToolRunner;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Runs Solo5 unikernels (MirageOS and others) under the {@code solo5-hvt} and {@code solo5-spt}
 * tenders. Backend id {@code solo5}.
 *
 * <p><b>Finding Solo5.</b> The tenders and {@code solo5-elftool} are looked up under the Solo5 home (the
 * {@code solo5.home} monitor setting, else the {@code UMONITOR_SOLO5_HOME} environment variable) in an
 * install prefix ({@code bin/}) or a Solo5 build tree ({@code tenders/hvt/}, {@code tenders/spt/},
 * {@code elftool/}), then on {@code PATH}. hvt also needs a usable KVM ({@code /dev/kvm} readable and
 * writable: {@link io.umonitor.kit.host.HostChecks#kvmProblem()}).
 *
 * <p><b>Launching.</b> The image's ABI target ({@code solo5-elftool query-abi}) picks the tender; the
 * tender's ABI version ({@code --version}) must match the image's. Every device of the image's manifest
 * ({@code query-manifest}) must be in the spec and vice versa: a NET_BASIC device is attached to the tap
 * provisioned for the spec network of the same name, always with its MAC; a BLOCK_BASIC device to the
 * spec block device of the same name (a file whose size is a multiple of 512 bytes; Solo5 cannot make it
 * read-only). All mismatches are reported together. {@code memoryMb} becomes {@code --mem} (0: the
 * tender's 512 MB; Solo5's own test_hello needs 4 MB on hvt and 2 MB on spt). When the taps live in a
 * network namespace, the tender runs in it ({@code ip netns exec}).
 *
 * <p><b>The unikernel's command line</b> is the spec's arguments, then, for a MirageOS unikernel
 * ({@code solo5.mirage=true}) with a tap, the boot parameters {@code --ipv4=GUEST/PREFIX} and
 * {@code --ipv4-gateway=HOST} of the first network device (unless the arguments already set them), then
 * umonitor's own keys {@code --umonitor-name=NAME --umonitor-token=TOKEN --umonitor-udp=HOST:PORT
 * --umonitor-tcp=HOST:PORT} (the collectors reachable through the first network device; the address keys
 * are left out without a tap), then each of the request's guest parameters as a key of its own
 * ({@code UMONITOR_WS} becomes {@code --umonitor-ws=ws://HOST:PORT/invoke} when the monitor runs an
 * invocation gateway). These keys go only to images that link one of umonitor's log clients (a
 * {@code umon_*} or {@code camlUmonitor_log*} function symbol in the image), since a unikernel that parses its
 * own command line may reject unknown keys (Solo5's test_net answers {@code Error in command line.}); the
 * guest's log says when they are left out. {@code solo5.umonitor-arguments=true} passes them to any image
 * (e.g. a stripped one), {@code false} to none. A guest whose first tap lives in a network namespace gets no
 * collector address (the monitor's collectors cannot listen there); its log says so, and its client logs
 * on the console instead. The token is visible in the host's process list.
 *
 * <p><b>What Solo5 cannot do.</b> A Solo5 unikernel runs on one vCPU and has no environment: a spec with
 * {@code cpus} above 1 is refused before launch (the capacity asked for would silently not exist), while
 * a spec environment is passed nowhere and a WARN in the guest's log says so (tools often set one for every
 * backend, and the guest runs correctly without it).
 *
 * <p><b>Spec options</b> ({@code solo5.*}; unknown ones are refused):
 * <ul>
 * <li>{@code solo5.tender=hvt|spt}: require this tender (an image runs only under the tender of its ABI
 *     target; a mismatch is refused before launch).</li>
 * <li>{@code solo5.debug=true}: run under {@code solo5-hvt-debug --gdb}; the tender waits for a debugger.
 *     The command to attach is in {@link LaunchedUnikernel#details()} under {@code gdb} and in a note.
 *     {@code solo5.gdb-port=N} picks the port (default: a free one).</li>
 * <li>{@code solo5.cpus=0,1}: pin the tender to these CPUs ({@code taskset -c}).</li>
 * <li>{@code solo5.mirage=true}: a MirageOS unikernel: pass {@code --ipv4} boot parameters and read exit
 *     codes as MirageOS means them (2 OCaml exception, 63 help/version, 64 argument error).</li>
 * <li>{@code solo5.umonitor-arguments=true|false}: pass the {@code --umonitor-*} keys to this image, or not
 *     (default: only when the image links a umonitor log client).</li>
 * <li>{@code solo5.syslog=true}: when the monitor receives syslog, pass {@code --syslog=HOST --syslog-port=PORT}
 *     (the keys MirageOS unikernels with a {@code logs-syslog} reporter declare); off by default, since a
 *     MirageOS unikernel refuses a boot key it does not declare.</li>
 * </ul>
 *
 * <p><b>Console and exits.</b> stdout and stderr are read continuously. The unikernel counts as running
 * after Solo5's memory map (the last line before the application starts), or at its first line when the
 * banner is hidden. Exits are classified from the status and the console: {@code solo5_exit(0)} NORMAL;
 * another exit FAILURE; {@code solo5_abort()}, {@code ABORT:} or {@code trap:} (status 255) and, on spt,
 * fault signals such as SIGSEGV (139) or SIGSYS (159) CRASH; a tender error on stderr with status 1
 * LAUNCHER_ERROR. {@link LaunchedUnikernel#stop} sends SIGTERM, then SIGKILL after the grace period.
 *
 * <p>Thread-safe; launches may run concurrently.
 *
 * @since 0.1
 */
@AutoService(UnikernelBackend.class)
public final class Solo5Backend implements UnikernelBackend {

    /** The backend id. */
    public static final String ID = "solo5";
    /** Backend setting: the Solo5 home directory (overrides {@code UMONITOR_SOLO5_HOME}). */
    public static final String HOME_SETTING = "home";

    private static final Duration TOOL_TIMEOUT = Duration.ofSeconds(20);

    private volatile Optional<String> configuredHome = Optional.empty();
    private volatile Solo5Installation installation;
    private final Map<Path, TenderVersion> tenderVersions = new ConcurrentHashMap<>();

    /** Cheap; no I/O. */
    public Solo5Backend() {
    }

    @Override
    public String id() {
        return ID;
    }

    /** Solo5 has no channel but the tender's command line (readable in ps): the monitor binds each token to its first session. */
    @Override
    public boolean tokenVisibleToOtherUsers() {
        return true;
    }

    @Override
    public String artifact() {
        return "io.umonitor:umonitor-solo5";
    }

    @Override
    public Availability availability() {
        Solo5Installation found = locate();
        List<String> problems = new ArrayList<>();
        if (found.elftool().isEmpty()) {
            problems.add("solo5-elftool");
        }
        boolean spt = found.spt().isPresent();
        Optional<String> kvmProblem = HostChecks.kvmProblem();
        boolean hvt = found.hvt().isPresent() && kvmProblem.isEmpty();
        if (!spt && !hvt) {
            problems.add(found.hvt().isPresent() ? "solo5-spt (solo5-hvt is there but KVM is unusable: "
                    + kvmProblem.orElse("") + ")" : "solo5-spt and solo5-hvt");
        }
        if (problems.isEmpty()) {
            return Availability.usable();
        }
        return Availability.unusable(String.join(" and ", problems) + " not found " + found.where()
                + Solo5Installation.fix());
    }

    /** Recognises an ELF image carrying Solo5's ABI note; the note's target also picks the tender at launch. */
    @Override
    public ImageRecognition recognise(Path image) {
        ImageHeader header = ImageHeader.read(image);
        if (header.solo5AbiTarget().isEmpty()) {
            return ImageRecognition.notRecognised("no Solo5 ABI note");
        }
        int target = header.solo5AbiTarget().getAsInt();
        String name = switch (target) {
            case 1 -> "hvt";
            case 2 -> "spt";
            case 3 -> "virtio";
            case 4 -> "muen";
            case 5 -> "genode";
            case 6 -> "xen";
            default -> "target " + target;
        };
        return ImageRecognition.recognised("a Solo5 unikernel built for " + name);
    }

    @Override
    public void initialize(ProviderContext context) {
        context.rejectUnknownProperties(ID, List.of(HOME_SETTING));
        configuredHome = context.property(HOME_SETTING);
        configuredHome.ifPresent(home -> {
            if (!Files.isDirectory(Path.of(home))) {
                throw new ConfigurationException("setting " + ID + "." + HOME_SETTING + "='" + home + "' is not a "
                        + "directory: point it at a Solo5 build tree or install prefix");
            }
        });
        installation = null;
    }

    @Override
    public LaunchedUnikernel launch(LaunchRequest request) {
        UnikernelSpec spec = request.spec();
        Solo5Options options = Solo5Options.of(spec);
        if (spec.cpus() > 1) {
            throw new ConfigurationException("unikernel '" + spec.name() + "' asks for " + spec.cpus() + " CPUs, but a "
                    + "Solo5 unikernel runs on one vCPU: set cpus to 0 or 1 (to pin the tender to host CPUs, use the "
                    + "option " + Solo5Options.CPUS + ")");
        }
        if (!Files.isRegularFile(spec.image())) {
            throw new ConfigurationException("image " + spec.image() + " of unikernel '" + spec.name()
                    + "' is not a file: give the path of a Solo5 unikernel (e.g. dist/hello.spt)");
        }
        Solo5Installation tools = installation();
        Path elftool = tools.elftool().orElseThrow(() -> new BackendUnavailableException("solo5-elftool not found "
                + tools.where() + Solo5Installation.fix()));
        Solo5Image image = readImage(elftool, spec.image());
        if (options.umonitorArguments().isEmpty()) {
            image = image.withUmonitorClient(UmonitorClientSymbols.linkedInto(spec.image()));
        }
        Tender tender = image.target();
        if (options.tender().isPresent() && options.tender().get() != tender) {
            throw new ConfigurationException("unikernel '" + spec.name() + "' sets " + Solo5Options.TENDER + "="
                    + options.tender().get().target() + " but its image " + spec.image() + " is built for "
                    + tender.target() + ": a Solo5 image runs only under the tender of its ABI target; rebuild it "
                    + "(mirage configure -t " + options.tender().get().target() + ") or drop the option");
        }
        if (options.debug() && tender != Tender.HVT) {
            throw new ConfigurationException("unikernel '" + spec.name() + "' sets " + Solo5Options.DEBUG
                    + "=true but its image is built for " + tender.target() + ": debugging needs solo5-hvt-debug "
                    + "and an hvt image (mirage configure -t hvt)");
        }
        Path tenderPath = (options.debug() ? tools.hvtDebug() : tools.tender(tender))
                .orElseThrow(() -> new BackendUnavailableException((options.debug() ? "solo5-hvt-debug"
                        : tender.executableName()) + ", needed by unikernel '" + spec.name() + "' (image "
                        + spec.image() + "), not found " + tools.where() + Solo5Installation.fix()));
        Optional<String> kvmProblem = tender == Tender.HVT ? HostChecks.kvmProblem() : Optional.empty();
        if (kvmProblem.isPresent()) {
            throw new BackendUnavailableException("unikernel '" + spec.name() + "' is built for hvt, which needs "
                    + "KVM, and KVM is unusable here: " + kvmProblem.get() + "; or rebuild the unikernel for spt");
        }
        TenderVersion version = tenderVersion(tenderPath);
        if (version.abiVersion() != image.abiVersion()) {
            throw new ConfigurationException("image " + spec.image() + " has Solo5 ABI version " + image.abiVersion()
                    + " but " + tenderPath + " (" + version.version() + ") speaks ABI version "
                    + version.abiVersion() + ": use tenders from the Solo5 release the image was built with "
                    + "(" + Solo5Installation.HOME_VARIABLE + ") or rebuild the image");
        }
        DeviceMatcher.check(spec, image);
        DeviceMatcher.checkBlockFiles(spec);
        int gdbPort = options.debug() ? (options.gdbPort() > 0 ? options.gdbPort() : freePort()) : 0;
        TenderCommand command = TenderCommand.build(tenderPath, image, request, options, gdbPort);

        Map<String, String> details = new LinkedHashMap<>();
        details.put("tender", tenderPath.toString());
        details.put("tender-version", version.version());
        details.put("abi", tender.target() + " " + image.abiVersion());
        details.put("command", command.display());
        command.namespace().ifPresent(ns -> details.put("namespace", ns));
        options.cpus().ifPresent(cpus -> details.put("cpus", cpus));
        command.gdbCommand().ifPresent(gdb -> details.put("gdb", gdb));
        Map<String, String> taps = new LinkedHashMap<>();
        request.networks().forEach(n -> taps.put(n.deviceName(), n.hostInterface()));

        GuestOutput output = request.output();
        ConsoleParser parser = new ConsoleParser(output::running);
        List<String> argv = command.argv();
        SupervisedProcess process = SupervisedProcess.builder(executable(argv.get(0)))
                .arguments(argv.subList(1, argv.size()))
                .workingDirectory(request.runDirectory())
                .label(spec.name())
                .output(new SupervisedProcess.OutputConsumer() {
                    @Override
                    public void line(GuestOutput.Stream stream, String line) {
                        // The line first: "running" then follows the last banner line in the log.
                        output.consoleLine(stream, line);
                        parser.accept(stream, line);
                    }

                    @Override
                    public void continuation(GuestOutput.Stream stream, String piece) {
                        output.consoleContinuation(stream, piece);
                    }
                })
                .start();
        output.note(LogLevel.INFO, tender.executableName() + " " + version.version() + " (ABI "
                + version.abiVersion() + ") started: " + details.get("command"));
        command.gdbCommand().ifPresent(gdb -> output.note(LogLevel.INFO, "waiting for a debugger; attach with: "
                + gdb));
        noteWhatTheGuestDoesNotGet(request, options, image);
        return new Solo5Unikernel(process, parser, options, spec.memoryMb(), details, taps);
    }

    /** Says in the guest's log what umonitor did not pass it, so a guest that logs nothing is explained. */
    private static void noteWhatTheGuestDoesNotGet(LaunchRequest request, Solo5Options options, Solo5Image image) {
        UnikernelSpec spec = request.spec();
        GuestOutput output = request.output();
        if (!TenderCommand.passesUmonitorArguments(image, options)) {
            if (options.umonitorArguments().isEmpty()) {
                output.note(LogLevel.INFO, "no --umonitor-* boot arguments: image " + spec.image() + " links no umonitor "
                        + "log client (no umon_* or camlUmonitor_log* symbol), and unknown keys could break its command "
                        + "line; set " + Solo5Options.UMONITOR_ARGUMENTS + "=true to pass them anyway");
            }
        } else {
            List<io.umonitor.api.ProvisionedNetwork> taps = spec.networks().stream()
                    .flatMap(n -> request.network(n.name()).stream()).toList();
            TenderCommand.missingCollectorReason(request, taps).ifPresent(why -> output.note(LogLevel.WARN, why));
        }
        if (!spec.environment().isEmpty()) {
            output.note(LogLevel.WARN, "the environment " + spec.environment().keySet() + " is not passed: a Solo5 "
                    + "unikernel has no environment; pass settings as arguments instead (e.g. --key=value for MirageOS)");
        }
    }

    private Solo5Installation installation() {
        Solo5Installation current = installation;
        if (current == null) {
            current = locate();
            installation = current;
        }
        return current;
    }

    private Solo5Installation locate() {
        return Solo5Installation.locate(Solo5Installation.home(configuredHome), System.getenv("PATH"));
    }

    private static Solo5Image readImage(Path elftool, Path image) {
        String manifest = elftool(elftool, "query-manifest", image);
        String abi = elftool(elftool, "query-abi", image);
        return Solo5Image.parse(image, manifest, abi);
    }

    private static String elftool(Path elftool, String command, Path image) {
        ToolRunner.Result result;
        try {
            result = ToolRunner.run(List.of(elftool.toString(), command, image.toString()), TOOL_TIMEOUT);
        } catch (IOException e) {
            throw new LaunchException("could not run " + elftool + " " + command + " " + image + ": "
                    + e.getMessage() + ": check that solo5-elftool is executable", e);
        }
        if (result.exitCode() != 0) {
            throw new ConfigurationException("image " + image + " is not a Solo5 unikernel umonitor can read: "
                    + "solo5-elftool " + command + " said '" + result.output() + "': give an image built for "
                    + "Solo5 hvt or spt, with the same Solo5 release as the tools");
        }
        return result.stdout();
    }

    private TenderVersion tenderVersion(Path tender) {
        return tenderVersions.computeIfAbsent(tender, t -> {
            ToolRunner.Result result;
            try {
                result = ToolRunner.run(List.of(t.toString(), "--version"), TOOL_TIMEOUT);
            } catch (IOException e) {
                throw new LaunchException("could not run " + t + " --version: " + e.getMessage()
                        + ": check that the tender is executable", e);
            }
            return TenderVersion.parse(result.stderr() + result.stdout()).orElseThrow(() -> new LaunchException(
                    t + " --version printed no Solo5 tender version ('" + result.output() + "'): check that it is "
                            + "a Solo5 tender (v0.6 or later)"));
        });
    }

    /** Resolves {@code ip} and {@code taskset} on PATH, so a missing one is named before launch. */
    private static Path executable(String name) {
        Path path = Path.of(name);
        if (path.isAbsolute()) {
            return path;
        }
        return name.equals(NetworkNamespace.IP)
                ? Executables.require(name, "run the tender in the taps' network namespace", "install iproute2")
                : Executables.require(name, "pin the tender to CPUs (solo5.cpus)", "install util-linux");
    }

    private static int freePort() {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new LaunchException("could not find a free TCP port for gdb: " + e.getMessage()
                    + ": set solo5.gdb-port", e);
        }
    }
}
