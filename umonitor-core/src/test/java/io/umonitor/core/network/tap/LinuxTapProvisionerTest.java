package io.umonitor.core.network.tap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.umonitor.api.ConfigurationException;
import io.umonitor.api.NetworkSpec;
import io.umonitor.api.Availability;
import io.umonitor.api.spi.NetworkProvisioner;
import io.umonitor.api.spi.ProviderContext;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.ServiceLoader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What needs no root: settings validation, availability on simulated hosts, MACs, discovery. */
class LinuxTapProvisionerTest {

    @TempDir
    Path stateDirectory;

    /** A host as HostProbe reports it; values chosen by each test. */
    private static HostProbe simulatedHost(String capEff, boolean tun, boolean ip) {
        return new HostProbe() {
            @Override
            public Optional<String> effectiveCapabilities() {
                return Optional.ofNullable(capEff);
            }

            @Override
            public boolean tunDevicePresent() {
                return tun;
            }

            @Override
            public Optional<Path> ipExecutable() {
                return ip ? Optional.of(Path.of("/simulated/ip")) : Optional.empty();
            }
        };
    }

    @Test
    void isFoundByServiceLoaderWithIdTap() {
        List<String> ids = ServiceLoader.load(NetworkProvisioner.class).stream()
                .map(p -> p.get().id()).toList();
        assertTrue(ids.contains("tap"), ids.toString());
    }

    @Test
    void availabilityOnASimulatedHostWithAllCapabilitiesIsUsable() {
        Availability availability = LinuxTapProvisioner.builder()
                .hostProbe(simulatedHost("000001fffeffffff", true, true)).build().availability();
        assertTrue(availability.isUsable(), availability.reason());
    }

    @Test
    void availabilityOnASimulatedHostWithoutCapNetAdminNamesTheCapabilityAndTheFix() {
        // Typical unprivileged user: no effective capabilities at all.
        Availability availability = LinuxTapProvisioner.builder()
                .hostProbe(simulatedHost("0000000000000000", true, true)).build().availability();
        assertFalse(availability.isUsable());
        assertTrue(availability.reason().contains("CAP_NET_ADMIN")
                && availability.reason().contains("run the monitor as root or grant CAP_NET_ADMIN"),
                availability.reason());
    }

    @Test
    void availabilityOnASimulatedHostWithoutTunAndIpListsBothFixes() {
        Availability availability = LinuxTapProvisioner.builder()
                .hostProbe(simulatedHost("000001fffeffffff", false, false)).build().availability();
        assertFalse(availability.isUsable());
        assertTrue(availability.reason().contains("modprobe tun"), availability.reason());
        assertTrue(availability.reason().contains("install iproute2"), availability.reason());
    }

    @Test
    void availabilityOnASimulatedHostWithoutCapSysAdminRefusesAConfiguredNamespace() {
        // CAP_NET_ADMIN (bit 12) only: enough for taps, not for entering a namespace.
        Availability availability = LinuxTapProvisioner.builder().namespace("ns1")
                .hostProbe(simulatedHost("0000000000001000", true, true)).build().availability();
        assertFalse(availability.isUsable());
        assertTrue(availability.reason().contains("CAP_SYS_ADMIN"), availability.reason());
    }

    @Test
    void initializeReportsEveryInvalidSettingInOneException() {
        LinuxTapProvisioner provisioner = LinuxTapProvisioner.builder()
                .hostProbe(simulatedHost("000001fffeffffff", true, true)).build();
        ProviderContext context = new ProviderContext(Map.of(
                "pool", "10.77.0.1/16",
                "prefix", "much-too-long-prefix",
                "mtu", "9",
                "namespace", "bad/name",
                "colour", "blue"), stateDirectory, stateDirectory);

        ConfigurationException e = assertThrows(ConfigurationException.class, () -> provisioner.initialize(context));

        String message = e.getMessage();
        assertTrue(message.contains("(5 problems)"), message);
        assertTrue(message.contains("tap.pool '10.77.0.1/16' is invalid: host bits are set: did you mean 10.77.0.0/16?"),
                message);
        assertTrue(message.contains("tap.prefix 'much-too-long-prefix' is invalid"), message);
        assertTrue(message.contains("tap.mtu '9' is outside 68..65521"), message);
        assertTrue(message.contains("tap.namespace 'bad/name'"), message);
        assertTrue(message.contains("unknown setting(s) [tap.colour]"), message);
    }

    @Test
    void aPoolTooSmallForOneTapIsRejected() {
        LinuxTapProvisioner provisioner = LinuxTapProvisioner.builder().pool("10.77.0.0/31")
                .hostProbe(simulatedHost("000001fffeffffff", true, true)).build();
        ConfigurationException e = assertThrows(ConfigurationException.class,
                () -> provisioner.initialize(stateDirectory));
        assertTrue(e.getMessage().contains("each tap needs a /30"), e.getMessage());
    }

    @Test
    void provisionBeforeInitializeSaysWhatToCall() {
        LinuxTapProvisioner provisioner = new LinuxTapProvisioner();
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> provisioner.provision("web-1", NetworkSpec.tap("service0")));
        assertTrue(e.getMessage().contains("call initialize first"), e.getMessage());
    }

    @Test
    void aUserModeDeviceIsRefusedBecauseTheBackendProvidesIt() {
        ConfigurationException e = assertThrows(ConfigurationException.class,
                () -> new LinuxTapProvisioner().provision("web-1", NetworkSpec.user("net0")));
        assertTrue(e.getMessage().contains("only creates TAP devices"), e.getMessage());
    }

    @Test
    void stableMacIsDeterministicLocallyAdministeredAndUnicast() {
        String mac = LinuxTapProvisioner.stableMac("web-1", "service0");
        assertEquals(mac, LinuxTapProvisioner.stableMac("web-1", "service0"));
        assertNotEquals(mac, LinuxTapProvisioner.stableMac("web-1", "service1"));
        assertNotEquals(mac, LinuxTapProvisioner.stableMac("web-2", "service0"));
        assertTrue(mac.matches("[0-9a-f]{2}(:[0-9a-f]{2}){5}"), mac);
        int first = Integer.parseInt(mac.substring(0, 2), 16);
        assertEquals(0x02, first & 0x02, "locally administered bit set");
        assertEquals(0, first & 0x01, "unicast");
    }

    @Test
    void subnetArithmetic() {
        Ipv4Subnet pool = Ipv4Subnet.parse("10.77.0.0/16");
        assertEquals(65536, pool.size());
        assertEquals("10.77.255.255", Ipv4Subnet.format(pool.broadcast()));
        assertTrue(pool.contains(Ipv4Subnet.parseAddress("10.77.3.4")));
        assertFalse(pool.contains(Ipv4Subnet.parseAddress("10.78.0.0")));
        assertTrue(Ipv4Subnet.parse("0.0.0.0/0").contains(pool));
        assertTrue(Ipv4Subnet.parse("10.77.0.4/30").overlaps(pool));
        assertThrows(IllegalArgumentException.class, () -> Ipv4Subnet.parse("10.77.0.0/33"));
        assertThrows(IllegalArgumentException.class, () -> Ipv4Subnet.parse("10.256.0.0/16"));
        assertThrows(IllegalArgumentException.class, () -> Ipv4Subnet.parse("10.77.0.0"));
    }
}
