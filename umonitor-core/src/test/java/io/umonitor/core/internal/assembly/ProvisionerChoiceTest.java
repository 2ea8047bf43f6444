package io.umonitor.core.internal.assembly;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.umonitor.api.Availability;
import io.umonitor.api.NetworkSpec;
import io.umonitor.api.ProvisionedNetwork;
import io.umonitor.api.spi.NetworkProvisioner;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The TAP provisioner is the one asked for by id or the only usable one; otherwise the reason says why. */
class ProvisionerChoiceTest {

    private static NetworkProvisioner named(String id) {
        return new NetworkProvisioner() {
            @Override
            public String id() {
                return id;
            }

            @Override
            public Availability availability() {
                return Availability.usable();
            }

            @Override
            public ProvisionedNetwork provision(String unikernel, NetworkSpec spec) {
                throw new UnsupportedOperationException("not provisioning in a choice test");
            }

            @Override
            public void release(ProvisionedNetwork network) {
            }
        };
    }

    @Test
    void theOnlyUsableProvisionerIsChosen() {
        NetworkProvisioner tap = named("tap");
        ProvisionerChoice c = ProvisionerChoice.choose(null, Map.of("tap", tap), Map.of("other", "no root"));
        assertSame(tap, c.chosen());
        assertNull(c.problem());
    }

    @Test
    void severalUsableNeedAnIdAndTheMessageSaysHowToGiveIt() {
        Map<String, NetworkProvisioner> usable = new LinkedHashMap<>();
        usable.put("tap", named("tap"));
        usable.put("macvtap", named("macvtap"));
        ProvisionerChoice c = ProvisionerChoice.choose(null, usable, Map.of());
        assertNull(c.chosen());
        assertEquals("several network provisioners are usable [tap, macvtap]: choose one with "
                + "Monitor.builder().networkProvisionerId(\"ID\")", c.problem());
        assertSame(usable.get("macvtap"), ProvisionerChoice.choose("macvtap", usable, Map.of()).chosen());
    }

    @Test
    void anIdThatIsUnusableOrMissingSaysWhich() {
        ProvisionerChoice unusable = ProvisionerChoice.choose("tap", Map.of(), Map.of("tap", "needs CAP_NET_ADMIN"));
        assertEquals("network provisioner 'tap' is unusable: needs CAP_NET_ADMIN", unusable.problem());
        ProvisionerChoice missing = ProvisionerChoice.choose("nope", Map.of("tap", named("tap")), Map.of());
        assertTrue(missing.problem().startsWith("network provisioner 'nope' is not installed; found [tap] usable"),
                missing.problem());
    }

    @Test
    void noneInstalledTellsWhereToGetOne() {
        ProvisionerChoice c = ProvisionerChoice.choose(null, Map.of(), Map.of());
        assertEquals("no network provisioner is usable: none is installed (add one to the classpath or pass it to "
                + "the builder)", c.problem());
    }
}
