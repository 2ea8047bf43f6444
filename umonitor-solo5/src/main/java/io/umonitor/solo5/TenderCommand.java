package io.umonitor.solo5;

import io.umonitor.api.ConfigurationException;
import io.umonitor.api.NetworkSpec;
import io.umonitor.api.UnikernelSpec;
import io.umonitor.api.CollectorEndpoint;
import io.umonitor.api.spi.LaunchRequest;
import io.umonitor.api.ProvisionedNetwork;
import io.umonitor.kit.host.NetworkNamespace;
import io.umonitor.solo5.Solo5Image.Device;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The command line that starts one Solo5 unikernel:
 * <pre>
 * [ip netns exec NS] [taskset -c CPUS] TENDER [--mem=MB] (--net:N=TAP --net-mac:N=MAC | --block:N=PATH)...
 *     [--gdb --gdb-port=P] -- KERNEL [spec arguments] [MirageOS --ipv4 keys] [--umonitor-* keys]
 * </pre>
 * Devices are attached in manifest order. A pure function of its inputs, so it is unit-tested without
 * Solo5.
 *
 * @param argv the full command
 * @param tenderPath the tender executable inside {@code argv}
 * @param guestArguments what follows the kernel (the unikernel's command line)
 * @param namespace the network namespace the tender must run in (its taps live there), if any
 * @param gdbCommand the command that attaches gdb, in debug mode
 */
record TenderCommand(
        List<String> argv,
        Path tenderPath,
        List<String> guestArguments,
        Optional<String> namespace,
        Optional<String> gdbCommand) {

    static final String TOKEN_KEY = "--umonitor-token=";

    TenderCommand {
        argv = List.copyOf(argv);
        guestArguments = List.copyOf(guestArguments);
    }

    /**
     * @param tenderPath the tender to run (solo5-hvt-debug in debug mode)
     * @param gdbPort the port the debug tender listens on; ignored unless {@code options.debug()}
     * @throws ConfigurationException when a TAP device of the spec has no provisioned tap, or the taps
     *     live in different network namespaces
     */
    static TenderCommand build(Path tenderPath, Solo5Image image, LaunchRequest request, Solo5Options options,
            int gdbPort) {
        UnikernelSpec spec = request.spec();
        List<String> problems = new ArrayList<>();
        List<ProvisionedNetwork> taps = new ArrayList<>();
        for (NetworkSpec net : spec.networks()) {
            Optional<ProvisionedNetwork> provisioned = request.network(net.name());
            if (provisioned.isEmpty()) {
                problems.add("network device '" + net.name() + "' has no provisioned tap: configure a network "
                        + "provisioner (e.g. tap) for the monitor");
            } else {
                taps.add(provisioned.get());
            }
        }
        List<String> namespaces = taps.stream().map(ProvisionedNetwork::namespace).distinct().toList();
        if (namespaces.size() > 1) {
            problems.add("the taps live in different network namespaces " + namespaces + ", but a tender runs in "
                    + "one: provision all devices of a unikernel in the same namespace");
        }
        if (!problems.isEmpty()) {
            throw new ConfigurationException("cannot attach the networks of unikernel '" + spec.name() + "': "
                    + String.join("; ", problems));
        }
        Optional<String> namespace = namespaces.isEmpty() ? Optional.empty()
                : Optional.ofNullable(namespaces.get(0));

        List<String> argv = new ArrayList<>();
        options.cpus().ifPresent(cpus -> argv.addAll(List.of("taskset", "-c", cpus)));
        argv.add(tenderPath.toString());
        if (spec.memoryMb() > 0) {
            argv.add("--mem=" + spec.memoryMb());
        }
        for (Device device : image.devices()) {
            switch (device.type()) {
                case NET_BASIC -> {
                    ProvisionedNetwork tap = request.network(device.name()).orElseThrow();
                    argv.add("--net:" + device.name() + "=" + tap.hostInterface());
                    // Without an explicit MAC the tender picks a random one on every start, which breaks
                    // ARP caches and DHCP leases across restarts.
                    argv.add("--net-mac:" + device.name() + "=" + tap.mac());
                }
                case BLOCK_BASIC -> {
                    Path file = spec.blockDevices().stream().filter(b -> b.name().equals(device.name()))
                            .findFirst().orElseThrow().path();
                    argv.add("--block:" + device.name() + "=" + file.toAbsolutePath());
                }
                default -> throw new IllegalStateException(device.type().toString());
            }
        }
        Optional<String> gdbCommand = Optional.empty();
        if (options.debug()) {
            argv.add("--gdb");
            argv.add("--gdb-port=" + gdbPort);
            // The debug tender listens inside the namespace it runs in, so gdb has to join it there.
            gdbCommand = Optional.of(NetworkNamespace.shellPrefix(namespace) + "gdb -ex 'target remote localhost:"
                    + gdbPort + "' " + image.path().toAbsolutePath());
        }
        argv.add("--");
        argv.add(image.path().toAbsolutePath().toString());
        List<String> guestArguments = guestArguments(request, options, taps, passesUmonitorArguments(image, options));
        argv.addAll(guestArguments);
        return new TenderCommand(NetworkNamespace.wrap(namespace, argv), tenderPath, guestArguments, namespace,
                gdbCommand);
    }

    /**
     * Spec arguments come first so that unikernels reading a positional command line (Solo5's own
     * test_net looks at the first character) keep working; MirageOS parses keys in any order.
     */
    static List<String> guestArguments(LaunchRequest request, Solo5Options options, List<ProvisionedNetwork> taps,
            boolean umonitorArguments) {
        UnikernelSpec spec = request.spec();
        List<String> args = new ArrayList<>(spec.arguments());
        Optional<ProvisionedNetwork> first = taps.stream().findFirst();
        if (options.mirage() && first.isPresent()) {
            ProvisionedNetwork net = first.get();
            if (spec.arguments().stream().noneMatch(a -> a.startsWith("--ipv4="))) {
                args.add("--ipv4=" + net.guestCidr());
            }
            if (spec.arguments().stream().noneMatch(a -> a.startsWith("--ipv4-gateway="))) {
                args.add("--ipv4-gateway=" + net.hostAddress().getHostAddress());
            }
        }
        if (umonitorArguments) {
            args.add("--umonitor-name=" + spec.name());
            args.add(TOKEN_KEY + request.token());
            String device = first.map(ProvisionedNetwork::deviceName).orElse(null);
            if (device != null) {
                request.collector(CollectorEndpoint.Transport.UDP, device)
                        .ifPresent(c -> args.add("--umonitor-udp=" + c.hostAndPort()));
                request.collector(CollectorEndpoint.Transport.TCP, device)
                        .ifPresent(c -> args.add("--umonitor-tcp=" + c.hostAndPort()));
            }
            // Guest parameters (e.g. UMONITOR_WS, the invocation gateway) as --umonitor-ws=... boot keys; syslog
            // only as the keys below, since a MirageOS unikernel stops at a boot key it does not declare.
            request.guestParameters().entrySet().stream().sorted(java.util.Map.Entry.comparingByKey())
                    .filter(e -> !e.getKey().equals(LaunchRequest.SYSLOG_PARAMETER))
                    .forEach(e -> args.add("--" + e.getKey().toLowerCase(java.util.Locale.ROOT).replace('_', '-') + "="
                            + e.getValue()));
        }
        String syslog = request.guestParameters().get(LaunchRequest.SYSLOG_PARAMETER);
        if (options.syslogArguments() && syslog != null) {
            // The keys MirageOS unikernels with a logs-syslog reporter declare (Albatross passes the same).
            int colon = syslog.lastIndexOf(':');
            String host = syslog.substring(0, colon);
            args.add("--syslog=" + (host.startsWith("[") ? host.substring(1, host.length() - 1) : host));
            args.add("--syslog-port=" + syslog.substring(colon + 1));
        }
        return args;
    }

    /** Whether the guest gets the {@code --umonitor-*} keys: as the spec says, else when the image links a client. */
    static boolean passesUmonitorArguments(Solo5Image image, Solo5Options options) {
        return options.umonitorArguments().orElse(image.linksUmonitorClient());
    }

    /**
     * Why a guest that gets the {@code --umonitor-*} keys gets no collector address, if it gets none: no
     * tap at all, or a first tap in a network namespace (where the monitor's collectors cannot listen)
     * or without collectors. Such a guest's log client falls back to its console.
     */
    static Optional<String> missingCollectorReason(LaunchRequest request, List<ProvisionedNetwork> taps) {
        if (taps.isEmpty()) {
            return Optional.empty();
        }
        ProvisionedNetwork first = taps.get(0);
        boolean any = request.collector(CollectorEndpoint.Transport.UDP, first.deviceName()).isPresent()
                || request.collector(CollectorEndpoint.Transport.TCP, first.deviceName()).isPresent();
        if (any) {
            return Optional.empty();
        }
        return Optional.of("no --umonitor-udp or --umonitor-tcp: " + (first.networkNamespace().isPresent()
                ? "tap " + first.hostInterface() + " of device '" + first.deviceName() + "' lives in network namespace '"
                        + first.namespace() + "', where the monitor's collectors cannot listen"
                : "no collector listens on device '" + first.deviceName() + "'")
                + "; the guest's log client falls back to its console (records on the console are collected as usual)");
    }

    /** The command as one line for logs and details, with the token masked. */
    String display() {
        List<String> shown = new ArrayList<>();
        for (String a : argv) {
            shown.add(a.startsWith(TOKEN_KEY) ? TOKEN_KEY + "***" : a);
        }
        return String.join(" ", shown);
    }
}
