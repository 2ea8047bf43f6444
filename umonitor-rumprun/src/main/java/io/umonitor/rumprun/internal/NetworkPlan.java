package io.umonitor.rumprun.internal;

import io.umonitor.api.ConfigurationException;
import io.umonitor.api.NetworkSpec;
import io.umonitor.api.spi.CollectorEndpoint;
import io.umonitor.api.spi.LaunchRequest;
import io.umonitor.api.spi.ProvisionedNetwork;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Turns the spec's network devices into QEMU NICs and works out the collector addresses the guest dials.
 *
 * <p>User-mode NIC number i serves 10.0.(2+i).0/24: the guest takes .15 and reaches the host's loopback
 * through .2 (QEMU maps that address to 127.0.0.1), so a collector on loopback port P is
 * {@code 10.0.(2+i).2:P} from inside.
 */
public record NetworkPlan(List<GuestNic> nics, GuestCollectors collectors) {

    public NetworkPlan {
        nics = List.copyOf(nics);
    }

    /** The network namespace QEMU must run in (that of its taps), if any. */
    public Optional<String> namespace() {
        return nics.stream().map(GuestNic::namespace).filter(n -> n != null).findFirst();
    }

    public Optional<GuestNic> first() {
        return nics.isEmpty() ? Optional.empty() : Optional.of(nics.get(0));
    }

    /**
     * Why a guest with a network gets no collector address, if it gets none: its first NIC is a tap in a
     * network namespace (the monitor's collectors cannot listen there) or a device no collector serves.
     * Its log client then falls back to the console, which the monitor collects as usual.
     */
    public Optional<String> missingCollectorReason() {
        if (nics.isEmpty() || collectors.tcp() != null || collectors.udp() != null) {
            return Optional.empty();
        }
        GuestNic nic = nics.get(0);
        return Optional.of("no umonitor collector address for the guest: " + (nic.namespace() != null
                ? "tap " + nic.hostInterface() + " of device '" + nic.spec().name() + "' lives in network namespace '"
                        + nic.namespace() + "', where the monitor's collectors cannot listen"
                : "no collector serves device '" + nic.spec().name() + "'")
                + "; the guest's log client falls back to its console (records on the console are collected as usual)");
    }

    public static NetworkPlan of(LaunchRequest request) {
        String name = request.spec().name();
        List<GuestNic> nics = new ArrayList<>();
        String tcp = null;
        String udp = null;
        List<NetworkSpec> specs = request.spec().networks();
        for (int i = 0; i < specs.size(); i++) {
            NetworkSpec spec = specs.get(i);
            String id = "net" + i;
            GuestNic nic;
            String tcpHere;
            String udpHere;
            if (spec.mode() == NetworkSpec.Mode.TAP) {
                ProvisionedNetwork host = request.network(spec.name()).orElseThrow(() -> new ConfigurationException(
                        "network device '" + spec.name() + "' of unikernel '" + name + "' is a tap device but the "
                                + "launch request has no provisioned host side for it: provision it with a "
                                + "NetworkProvisioner (e.g. tap) before launching"));
                nic = new GuestNic(id, spec, host.hostInterface(), host.namespace(), null, host.mac(),
                        host.guestAddress().getHostAddress(), host.prefixLength(), host.hostAddress().getHostAddress());
                tcpHere = endpoint(request, CollectorEndpoint.Transport.TCP, spec.name(), host.hostInterface(), null);
                udpHere = endpoint(request, CollectorEndpoint.Transport.UDP, spec.name(), host.hostInterface(), null);
            } else {
                int third = 2 + i;
                String gateway = "10.0." + third + ".2";
                nic = new GuestNic(id, spec, null, null, "10.0." + third + ".0/24",
                        spec.requestedMac().orElseGet(() -> stableMac(name, spec.name())),
                        "10.0." + third + ".15", 24, gateway);
                tcpHere = endpoint(request, CollectorEndpoint.Transport.TCP, null, null, gateway);
                udpHere = endpoint(request, CollectorEndpoint.Transport.UDP, null, null, gateway);
            }
            nics.add(nic);
            if (tcp == null && udp == null) {
                tcp = tcpHere;
                udp = udpHere;
            }
        }
        List<String> namespaces = nics.stream().map(GuestNic::namespace).filter(n -> n != null).distinct().toList();
        if (namespaces.size() > 1) {
            throw new ConfigurationException("the tap devices of unikernel '" + name + "' live in different network "
                    + "namespaces " + namespaces + ": QEMU runs in one namespace; provision them all in the same one");
        }
        return new NetworkPlan(nics, new GuestCollectors(name, request.token(), tcp, udp));
    }

    /**
     * The collector of {@code transport} for a device: tagged with the spec's device name or the tap's
     * name, or (user mode) the loopback one as seen through {@code loopbackAlias}.
     */
    private static String endpoint(LaunchRequest request, CollectorEndpoint.Transport transport, String deviceName,
            String hostInterface, String loopbackAlias) {
        if (loopbackAlias != null) {
            return request.collector(transport, null)
                    .filter(c -> c.address().getAddress().isLoopbackAddress())
                    .map(c -> loopbackAlias + ":" + c.address().getPort())
                    .orElse(null);
        }
        return request.collector(transport, deviceName)
                .or(() -> request.collector(transport, hostInterface))
                .map(CollectorEndpoint::hostAndPort)
                .orElse(null);
    }

    /** A locally administered MAC in QEMU's 52:54:00 range that stays the same across restarts. */
    static String stableMac(String unikernel, String device) {
        try {
            byte[] h = MessageDigest.getInstance("SHA-256")
                    .digest((unikernel + "/" + device).getBytes(StandardCharsets.UTF_8));
            return String.format("52:54:00:%02x:%02x:%02x", h[0] & 0xff, h[1] & 0xff, h[2] & 0xff);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every Java runtime", e);
        }
    }
}
