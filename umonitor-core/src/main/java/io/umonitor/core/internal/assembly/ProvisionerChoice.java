package io.umonitor.core.internal.assembly;

import io.umonitor.api.spi.NetworkProvisioner;
import java.util.Map;

/**
 * Which provisioner creates TAP devices: the one asked for by id, or the only usable one. Without a
 * choice the monitor still works; only launches that ask for a TAP device fail, with {@code problem}.
 *
 * @param chosen the provisioner, or null
 * @param problem why none was chosen, or null
 */
public record ProvisionerChoice(NetworkProvisioner chosen, String problem) {

    /**
     * @param wantedId the id the builder asked for, or null
     * @param usable usable provisioners by id
     * @param unusable why each unusable provisioner is unusable, by id
     */
    public static ProvisionerChoice choose(String wantedId, Map<String, NetworkProvisioner> usable,
            Map<String, String> unusable) {
        if (wantedId != null) {
            NetworkProvisioner chosen = usable.get(wantedId);
            if (chosen != null) {
                return new ProvisionerChoice(chosen, null);
            }
            return new ProvisionerChoice(null, "network provisioner '" + wantedId + "' is "
                    + (unusable.containsKey(wantedId) ? "unusable: " + unusable.get(wantedId)
                            : "not installed; found " + usable.keySet() + " usable and " + unusable + " unusable"));
        }
        if (usable.size() == 1) {
            return new ProvisionerChoice(usable.values().iterator().next(), null);
        }
        if (usable.isEmpty()) {
            return new ProvisionerChoice(null, "no network provisioner is usable: " + (unusable.isEmpty()
                    ? "none is installed (add one to the classpath or pass it to the builder)"
                    : "found " + unusable));
        }
        return new ProvisionerChoice(null, "several network provisioners are usable " + usable.keySet()
                + ": choose one with Monitor.builder().networkProvisionerId(\"ID\")");
    }
}
