package io.umonitor.api.spi;

import io.umonitor.api.CollectorEndpoint;
import io.umonitor.api.ProvisionedNetwork;
import io.umonitor.api.UnikernelSpec;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Everything a backend needs to start one unikernel.
 *
 * @param spec what to launch
 * @param token the per-launch secret the unikernel's log client must present; the backend passes it
 *     to the guest (argument, boot parameter or environment, as its documentation says)
 * @param networks the host side of each {@link io.umonitor.api.NetworkSpec.Mode#TAP} device of the
 *     spec, in spec order (USER devices are the backend's to provide)
 * @param collectors where the guest sends its logs
 * @param output where the backend reports console lines and the running state
 * @param runDirectory a directory for this launch's files (consoles, generated configs); exists
 * @param guestParameters further settings the monitor hands to the guest, by name in upper snake case
 *     (e.g. {@code UMONITOR_WS}, the invocation gateway's address as the guest dials it); the backend
 *     passes each to the guest as its documentation says (the process backend as environment variables,
 *     a VM backend e.g. as boot arguments); never null, often empty. Since 0.2.
 * @since 0.1
 */
public record LaunchRequest(
        UnikernelSpec spec,
        String token,
        List<ProvisionedNetwork> networks,
        List<CollectorEndpoint> collectors,
        GuestOutput output,
        Path runDirectory,
        Map<String, String> guestParameters) {

    /** Guest parameter naming where the monitor receives syslog, {@code HOST:PORT} (when syslog is on). */
    public static final String SYSLOG_PARAMETER = GuestParameters.SYSLOG;

    /** A request without guest parameters (the 0.1 form). */
    public LaunchRequest(UnikernelSpec spec, String token, List<ProvisionedNetwork> networks,
            List<CollectorEndpoint> collectors, GuestOutput output, Path runDirectory) {
        this(spec, token, networks, collectors, output, runDirectory, Map.of());
    }

    public LaunchRequest {
        Objects.requireNonNull(spec, "spec");
        Objects.requireNonNull(token, "token");
        networks = List.copyOf(networks);
        collectors = List.copyOf(collectors);
        Objects.requireNonNull(output, "output");
        Objects.requireNonNull(runDirectory, "runDirectory");
        guestParameters = guestParameters == null ? Map.of() : Map.copyOf(guestParameters);
    }

    /** The collector of this transport reached through {@code networkDevice} (null: loopback). */
    public Optional<CollectorEndpoint> collector(CollectorEndpoint.Transport transport, String networkDevice) {
        return collectors.stream()
                .filter(c -> c.transport() == transport && Objects.equals(c.networkDevice(), networkDevice))
                .findFirst();
    }

    /** The host side of the spec's network device {@code name}. */
    public Optional<ProvisionedNetwork> network(String name) {
        return networks.stream().filter(n -> n.deviceName().equals(name)).findFirst();
    }
}
