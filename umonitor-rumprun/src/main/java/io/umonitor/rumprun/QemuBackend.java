package io.umonitor.rumprun;

import com.google.auto.service.AutoService;
import io.umonitor.api.ConfigurationException;
import io.umonitor.api.LaunchException;
import io.umonitor.api.LogLevel;
import io.umonitor.api.UnikernelSpec;
import io.umonitor.api.Availability;
import io.umonitor.api.spi.ImageHeader;
import io.umonitor.api.spi.ImageRecognition;
import io.umonitor.api.spi.LaunchRequest;
import io.umonitor.api.spi.LaunchedUnikernel;
import io.umonitor.api.spi.ProviderContext;
import io.umonitor.api.spi.UnikernelBackend;
import io.umonitor.kit.host.Executables;
import io.umonitor.kit.host.HostChecks;
import io.umonitor.kit.host.NetworkNamespace;
import io.umonitor.rumprun.internal.Accel;
import io.umonitor.rumprun.internal.Flavour;
import io.umonitor.rumprun.internal.GuestTokenFile;
import io.umonitor.rumprun.internal.KernelCommandLine;
import io.umonitor.rumprun.internal.KernelImage;
import io.umonitor.rumprun.internal.NetworkPlan;
import io.umonitor.rumprun.internal.QemuCommandLine;
import io.umonitor.rumprun.internal.QemuGuest;
import io.umonitor.rumprun.internal.QemuOptions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.ScheduledExecutorService;

/**
 * Runs rumprun, Unikraft and other multiboot (or Linux) kernels with {@code qemu-system-x86_64 -kernel}.
 *
 * <p><b>Backend settings</b> (monitor properties {@code qemu.*}, prefix stripped): {@code binary} the QEMU
 * executable (default {@code qemu-system-x86_64} on PATH); {@code accel} the default acceleration.
 *
 * <p><b>Spec options</b>: {@code qemu.accel} = {@code auto} (KVM when /dev/kvm is usable, else TCG; if KVM
 * fails to start or run the guest - an error on QEMU's stderr, the VM stopping in {@code internal-error},
 * or no console output within {@code qemu.kvmWatchdog} seconds, default 10 - it is started again with
 * TCG and a WARN note says so), {@code kvm}
 * (fail when KVM is unusable) or {@code tcg}; {@code qemu.flavour} = {@code auto} (detected from the
 * image: rumprun's and Unikraft's own strings, else multiboot), {@code rumprun}, {@code multiboot},
 * {@code unikraft}; {@code qemu.initrd}; {@code qemu.append} (extra command-line words);
 * {@code qemu.debugExit} = auto|on|off; {@code qemu.gdb} = a loopback port for gdb and
 * {@code qemu.gdbWait} = true to start with the CPU stopped; {@code qemu.machine} (default {@code pc}); {@code qemu.cpu} (the {@code -cpu} model and
 * features, e.g. {@code host}; default QEMU's); {@code qemu.tokenOnCommandLine} = true to also put the log
 * token on {@code -append} for guests built with a client older than the fw_cfg reader (every local user
 * then reads it in {@code ps}; default false).
 *
 * <p><b>What the guest gets</b>: rumprun guests a JSON configuration (program arguments, environment,
 * hostname, the first NIC's static address and gateway, block devices mounted at {@code /NAME}) whose
 * environment carries {@code UMONITOR_NAME}, {@code UMONITOR_TCP} and
 * {@code UMONITOR_UDP} for the C log client; other flavours get {@code umonitor.name=},
 * {@code umonitor.tcp=}, {@code umonitor.udp=}, {@code umonitor.ip=} and {@code umonitor.gw=} words (Unikraft
 * also {@code netdev.ip=}). The log token is on no command line: QEMU reads it from a file only the
 * monitor's user can read (0600 in a 0700 directory under the run directory, deleted when the guest ends)
 * and hands it to the guest as the fw_cfg file {@code opt/io.umonitor/token}, which the C client reads when
 * built with {@code -DUMON_FWCFG}. When the monitor receives syslog, rumprun guests also get
 * {@code UMONITOR_SYSLOG=HOST:PORT} in their environment and the others the word {@code umonitor.syslog=HOST:PORT}.
 * Tap devices come from the network provisioner (QEMU runs inside the taps'
 * namespace through {@code ip netns exec} when they live in one; the monitor's collectors cannot listen
 * there, so such a guest gets no collector address and a WARN in its log says so: its client logs on the
 * console); user-mode devices reach the host's loopback collectors at 10.0.2.2.
 *
 * <p><b>Lifecycle</b>: the serial console is the guest's output; rumprun's {@code === calling "X" main() ===}
 * (or any first line for other flavours) means running; exit codes come from rumprun's markers or
 * isa-debug-exit; {@code PANIC:} is a crash; what QEMU prints on its stderr decides nothing once the guest has
 * shown its own exit (a {@code warning:} such as KVM's {@code host doesn't support requested feature} never
 * makes a guest's exit a launcher error); after rumprun's {@code halted} umonitor ends QEMU itself
 * (QMP quit, then SIGKILL). {@link LaunchedUnikernel#stop} presses the ACPI power button, then quits QEMU
 * over QMP after the grace period, then kills it.
 *
 * @since 0.1
 */
@AutoService(UnikernelBackend.class)
public final class QemuBackend implements UnikernelBackend {

    public static final String ID = "qemu";
    /** The QEMU executable looked up on PATH unless the {@code binary} setting names another. */
    public static final String DEFAULT_BINARY = "qemu-system-x86_64";

    private volatile String binary = DEFAULT_BINARY;
    private volatile Accel defaultAccel = Accel.AUTO;
    /** The monitor's (from initialize); a backend used without a monitor makes one that ends when idle. */
    private volatile ScheduledExecutorService timers;
    /** Token files of guests not yet ended, deleted on close whatever happened to their guests. */
    private final java.util.Set<GuestTokenFile> tokenFiles = java.util.concurrent.ConcurrentHashMap.newKeySet();

    /** Does no I/O; settings come in {@link #initialize}. */
    public QemuBackend() {
    }

    @Override
    public String id() {
        return ID;
    }

    @Override
    public String artifact() {
        return "io.umonitor:umonitor-rumprun";
    }

    @Override
    public Availability availability() {
        if (locate().isEmpty()) {
            return Availability.unusable(binary + " not found" + (binary.contains("/") ? "" : " on PATH")
                    + ": install the Debian package qemu-system-x86 (apt-get install qemu-system-x86) or set "
                    + "qemu.binary to its path");
        }
        return Availability.usable();
    }

    /**
     * QEMU is found where the user's shell finds it, on {@code PATH} only: the kit's fallback to the
     * system directories is for host tools such as {@code ip} that a non-root PATH lacks, and would make
     * a QEMU the user took off PATH (or a PATH chosen for the monitor) impossible to opt out of.
     */
    private java.util.Optional<Path> locate() {
        return binary.contains("/") ? Executables.find(binary)
                : Executables.find(binary, Executables.pathDirectories(System.getenv("PATH")));
    }

    /** Recognises what {@code qemu -kernel} boots: a multiboot kernel (rumprun, Unikraft, ...) or a Linux bzImage. */
    @Override
    public ImageRecognition recognise(Path image) {
        ImageHeader header = ImageHeader.read(image);
        if (header.solo5AbiTarget().isPresent()) {
            return ImageRecognition.notRecognised("a Solo5 unikernel, which runs under a Solo5 tender");
        }
        if (header.multiboot()) {
            return ImageRecognition.recognised("a multiboot kernel");
        }
        if (header.linuxBzImage()) {
            return ImageRecognition.recognised("a Linux kernel (bzImage)");
        }
        return ImageRecognition.notRecognised("no multiboot header and not a Linux bzImage");
    }

    @Override
    public void initialize(ProviderContext context) {
        context.rejectUnknownProperties(ID, List.of("binary", "accel"));
        timers = context.scheduler();
        context.property("binary").ifPresent(b -> binary = b.trim());
        context.property("accel").ifPresent(a -> defaultAccel = Accel.parse("qemu.accel", a));
    }

    @Override
    public LaunchedUnikernel launch(LaunchRequest request) {
        UnikernelSpec spec = request.spec();
        QemuOptions options = QemuOptions.from(spec, defaultAccel);
        Path qemu = locate().orElseThrow(() -> new LaunchException("cannot launch unikernel '"
                + spec.name() + "': " + availability().reason()));
        KernelImage image = KernelImage.inspect(spec.image());
        Flavour flavour = image.flavour(options.requestedFlavour());
        NetworkPlan plan = NetworkPlan.of(request);
        plan.namespace().ifPresent(ns -> NetworkNamespace.requireIp(spec.name(), ns));
        // Where to send syslog (when the monitor receives it): rumprun guests read UMONITOR_SYSLOG from their
        // environment like the C client's variables, other kernels get the word umonitor.syslog=HOST:PORT.
        String syslog = request.guestParameters().get(LaunchRequest.SYSLOG_PARAMETER);
        UnikernelSpec guestSpec = syslog != null && flavour == Flavour.RUMPRUN
                ? spec.toBuilder().environment(LaunchRequest.SYSLOG_PARAMETER, syslog).build() : spec;
        String extraAppend = syslog != null && flavour != Flavour.RUMPRUN
                ? (options.extraAppend() == null ? "" : options.extraAppend() + " ") + "umonitor.syslog=" + syslog
                : options.extraAppend();
        String append = KernelCommandLine.build(flavour, guestSpec, plan, programName(spec.image()), extraAppend,
                options.tokenOnCommandLine());
        OptionalInt debugExit = options.debugExitPort(flavour);
        Path qmpSocket = qmpSocket(request.runDirectory(), spec.name());

        Accel initial = options.accel();
        boolean fallback = false;
        Optional<String> kvmProblem = HostChecks.kvmProblem();
        if (initial == Accel.AUTO) {
            if (kvmProblem.isPresent()) {
                request.output().note(LogLevel.INFO, "using TCG: " + kvmProblem.get());
                initial = Accel.TCG;
            } else {
                initial = Accel.KVM;
                fallback = true;
            }
        } else if (initial == Accel.KVM && kvmProblem.isPresent()) {
            throw new LaunchException("unikernel '" + spec.name() + "' asks for qemu.accel=kvm but KVM is unusable: "
                    + kvmProblem.get() + "; set qemu.accel=tcg (slower, works everywhere) or auto");
        }
        plan.missingCollectorReason().ifPresent(why -> request.output().note(LogLevel.WARN, why));
        if (flavour == Flavour.RUMPRUN && plan.nics().size() > 1) {
            request.output().note(LogLevel.WARN, "rumprun's configuration holds one network: only '"
                    + plan.nics().get(0).spec().name() + "' is configured, the other NICs are attached unconfigured");
        }
        if (flavour != Flavour.RUMPRUN && !spec.environment().isEmpty()) {
            request.output().note(LogLevel.WARN, "the environment " + spec.environment().keySet()
                    + " is passed only to rumprun guests; a " + flavour.id() + " kernel gets command-line words");
        }

        if (options.tokenOnCommandLine()) {
            request.output().note(LogLevel.WARN, "qemu.tokenOnCommandLine=true: the log token is on QEMU's -append, "
                    + "where every local user reads it in ps and can send records as this guest; remove the option "
                    + "once the guest's client reads the token from fw_cfg (" + GuestTokenFile.FW_CFG_NAME + ")");
        }

        String qemuPath = qemu.toString();
        GuestTokenFile tokenFile = request.token().isEmpty() ? null
                : GuestTokenFile.create(request.runDirectory(), spec.name(), request.token());
        if (tokenFile != null) {
            tokenFiles.add(tokenFile);
        }
        Path tokenPath = tokenFile == null ? null : tokenFile.path();
        QemuGuest guest = new QemuGuest(spec.name(), flavour, debugExit, request.output(),
                accel -> QemuCommandLine.build(qemuPath, accel, options, spec.memoryMb(), spec.cpus(), spec.image(),
                        append, plan, spec.blockDevices(), qmpSocket, debugExit, tokenPath),
                qmpSocket, initial, fallback, options.gdbWait(), options.kvmWatchdog(),
                request.token(), timers(), tokenFile);
        if (options.gdbPort() > 0) {
            String attach = "gdb -ex 'target remote 127.0.0.1:" + options.gdbPort() + "' " + spec.image();
            guest.detail("gdb", attach);
            request.output().note(LogLevel.INFO, "gdb stub on 127.0.0.1:" + options.gdbPort()
                    + (options.gdbWait() ? " (CPU waits for the debugger)" : "") + ": " + attach);
        }
        try {
            guest.start(); // deletes the token file itself when it throws
        } catch (RuntimeException e) {
            tokenFiles.remove(tokenFile);
            throw e;
        }
        if (tokenFile != null) {
            guest.exit().whenComplete((e, t) -> tokenFiles.remove(tokenFile));
        }
        return guest;
    }

    /** Only a guest launched with {@code qemu.tokenOnCommandLine=true} has its token where {@code ps} shows it. */
    @Override
    public boolean tokenVisibleToOtherUsers(UnikernelSpec spec) {
        return "true".equalsIgnoreCase(spec.options().getOrDefault("qemu.tokenOnCommandLine", "").trim());
    }

    /** Deletes the token files of guests still running: the monitor closes after its guests end, so normally none. */
    @Override
    public void close() {
        for (GuestTokenFile f : tokenFiles) {
            f.close();
        }
        tokenFiles.clear();
    }

    private ScheduledExecutorService timers() {
        ScheduledExecutorService current = timers;
        if (current == null) {
            synchronized (this) {
                if (timers == null) {
                    timers = ProviderContext.standaloneScheduler("umonitor-qemu-timers");
                }
                current = timers;
            }
        }
        return current;
    }

    /** rumprun's argv[0]: the image's file name without extension. */
    private static String programName(Path image) {
        String file = image.getFileName().toString();
        int dot = file.indexOf('.');
        return dot > 0 ? file.substring(0, dot) : file;
    }

    /** Unix socket paths are limited to 107 bytes: fall back to a short directory when the run directory is deep. */
    private static Path qmpSocket(Path runDirectory, String name) {
        Path inRun = runDirectory.resolve("qmp.sock").toAbsolutePath();
        if (inRun.toString().length() <= 100) {
            return inRun;
        }
        try {
            return Files.createTempDirectory("umq-").resolve("qmp.sock");
        } catch (IOException e) {
            throw new ConfigurationException("the run directory '" + runDirectory + "' of unikernel '" + name
                    + "' is too deep for a QMP socket and no temporary directory could be created: " + e.getMessage());
        }
    }
}
