package io.umonitor.core.internal.collect;

import io.umonitor.api.spi.ProvisionedNetwork;
import io.umonitor.core.internal.log.LogHub;
import java.util.List;
import java.util.Map;

/**
 * A collector for another wire format (syslog, in module umonitor-syslog), found with
 * {@link java.util.ServiceLoader}. Internal: its contract moves with the hub's.
 *
 * <p>Public no-argument constructor without I/O; {@link #start} does the work and is called once, after
 * the hub and its sinks started, with the monitor's settings {@code ID.*} (prefix stripped).
 */
public interface CollectorExtension {

    /** Settings prefix and name, e.g. {@code syslog}. */
    String id();

    /**
     * Starts listening when {@code settings} enable it.
     *
     * @param hub the monitor's hub so far
     * @param ingest how records enter that hub (the same way the TCP and UDP collectors hand them over)
     * @return the hub to use from now on: {@code hub} itself when the settings leave the extension off, else a
     *     {@link ForwardingLogHub} that also sees launches (tap addresses, sender registrations) and closes the
     *     extension before {@code hub}
     * @throws io.umonitor.api.ConfigurationException naming every invalid setting
     */
    LogHub start(Map<String, String> settings, LogHub hub, Ingest ingest);

    /** What an extension adds to a launch's guest parameters (e.g. where to send syslog). */
    interface GuestParameterSource {
        Map<String, String> guestParameters(String unikernel, List<ProvisionedNetwork> networks);
    }
}
