package io.umonitor.core.internal.assembly;

import io.umonitor.api.spi.NetworkProvisioner;
import io.umonitor.core.internal.GuestRunState;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Collection;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Removes what monitors killed earlier (SIGKILL, power loss) left behind in the shared state directory:
 * their network devices and, unless turned off, their guest processes.
 */
public final class LeftoverSweep {
    private static final Logger LOG = LoggerFactory.getLogger(LeftoverSweep.class);

    private LeftoverSweep() {
    }

    /** Asks every usable provisioner to remove devices a previous monitor left; failures are logged. */
    public static void removeNetworkLeftovers(Collection<NetworkProvisioner> provisioners) {
        for (NetworkProvisioner provisioner : provisioners) {
            try {
                int removed = provisioner.removeLeftovers();
                if (removed > 0) {
                    LOG.info("network provisioner '{}' removed {} device(s) a previous monitor left behind",
                            provisioner.id(), removed);
                }
            } catch (RuntimeException e) {
                LOG.warn("network provisioner '{}' could not remove leftovers", provisioner.id(), e);
            }
        }
    }

    /**
     * Opens the run-state records of guests under {@code state/guests} and, when {@code killLeftovers},
     * kills the guest processes recorded by monitors that are gone.
     *
     * @return the records, or null when they cannot be kept (logged)
     */
    public static GuestRunState openRunState(Path state, boolean killLeftovers) {
        try {
            GuestRunState runState = new GuestRunState(state.resolve("guests"));
            if (killLeftovers) {
                int killed = runState.removeLeftovers();
                if (killed > 0) {
                    LOG.warn("killed {} guest process(es) a monitor killed earlier left running (recorded in {})",
                            killed, runState.directory());
                }
            }
            return runState;
        } catch (IOException e) {
            LOG.warn("cannot keep run-state records of guests in {}: {}; guests of this monitor will not be "
                    + "found if it is killed", state.resolve("guests"), e.toString());
            return null;
        }
    }
}
