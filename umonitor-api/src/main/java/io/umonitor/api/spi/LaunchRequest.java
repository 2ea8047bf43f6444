package io.umonitor.api.spi;

import io.umonitor.api.UnikernelSpec;
import java.nio.file.Path;
import java.util.List;
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
 * @since 0.1
 */
public record LaunchRequest(
        UnikernelSpec spec,
        String token,
        List<ProvisionedNetwork> networks,
        List<CollectorEndpoint> collectors,
        GuestOutput output,
        Path runDirectory) {

    public LaunchRequest {
        Objects.requireNonNull(spec, "spec");
        Objects.requireNonNull(token, "token");
        networks = List.copyOf(networks);
        collectors = List.copyOf(collectors);
        Objects.requireNonNull(output, "output");
        Objects.requireNonNull(runDirectory, "runDirectory");
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
