package io.umonitor.core.network.tap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.umonitor.api.ProvisioningException;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The tap allocator decides names and addresses from what is in use, with no root and no host changes. */
class AddressAllocatorTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static JsonNode ipAddrShow(String json) throws Exception {
        return JSON.readTree(json);
    }

    private static DeviceRecord recorded(String name, String host, String guest) {
        return new DeviceRecord(name, null, null, "web", "net0", "02:00:00:00:00:01", host, guest, 30, 1, 1,
                "m", 7, "2026-01-01T00:00:00Z");
    }

    private static final String LOOPBACK_ONLY = "[{\"ifname\":\"lo\",\"addr_info\":[{\"family\":\"inet\","
            + "\"local\":\"127.0.0.1\",\"prefixlen\":8}]}]";

    private static String ip(int address) {
        return Ipv4Subnet.format(address);
    }

    @Test
    void eachTapGetsTheLowestFreeSlash30WithHostFirstAndGuestSecond() throws Exception {
        AddressAllocator allocator = new AddressAllocator(Ipv4Subnet.parse("10.77.0.0/28"), "umt", null, 0, 0);
        AddressAllocator.Allocation first = allocator.allocate(
                AddressAllocator.InUse.of(List.of(), ipAddrShow(LOOPBACK_ONLY)), new Random(1));
        assertEquals("10.77.0.1", ip(first.hostAddress()));
        assertEquals("10.77.0.2", ip(first.guestAddress()));
        assertEquals(30, first.prefixLength());

        AddressAllocator.Allocation second = allocator.allocate(AddressAllocator.InUse.of(
                List.of(recorded("umtaaaa", "10.77.0.1", "10.77.0.2")), ipAddrShow(LOOPBACK_ONLY)), new Random(1));
        assertEquals("10.77.0.5", ip(second.hostAddress()), "a slot another monitor recorded is skipped");
        assertEquals("10.77.0.6", ip(second.guestAddress()));
    }

    @Test
    void addressesAndWiderSubnetsOnTheHostAreSkipped() throws Exception {
        String host = "[{\"ifname\":\"eth0\",\"addr_info\":[{\"family\":\"inet\",\"local\":\"10.77.0.1\","
                + "\"prefixlen\":30}]},{\"ifname\":\"br9\",\"addr_info\":[{\"family\":\"inet\","
                + "\"local\":\"10.77.0.9\",\"prefixlen\":29}]}]";
        AddressAllocator allocator = new AddressAllocator(Ipv4Subnet.parse("10.77.0.0/27"), "umt", null, 0, 0);
        AddressAllocator.Allocation a = allocator.allocate(AddressAllocator.InUse.of(List.of(), ipAddrShow(host)),
                new Random(1));
        // .0/30 holds eth0's address; .8/29 (two slots) is a wider subnet already routed here.
        assertEquals("10.77.0.5", ip(a.hostAddress()));
        AddressAllocator.Allocation b = allocator.allocate(AddressAllocator.InUse.of(
                List.of(recorded("umtbbbb", "10.77.0.5", "10.77.0.6")), ipAddrShow(host)), new Random(1));
        assertEquals("10.77.0.17", ip(b.hostAddress()), "both /30s inside br9's /29 are skipped");
    }

    @Test
    void anExhaustedPoolSaysHowBigItIsWhatUsesItAndTheFix() throws Exception {
        AddressAllocator allocator = new AddressAllocator(Ipv4Subnet.parse("10.77.0.0/29"), "umt", null, 0, 0);
        String host = "[{\"ifname\":\"eth0\",\"addr_info\":[{\"family\":\"inet\",\"local\":\"10.77.0.5\","
                + "\"prefixlen\":30}]}]";
        ProvisioningException e = assertThrows(ProvisioningException.class, () -> allocator.allocate(
                AddressAllocator.InUse.of(List.of(recorded("umtaaaa", "10.77.0.1", "10.77.0.2")), ipAddrShow(host)),
                new Random(1)));
        assertTrue(e.getMessage().contains("tap.pool 10.77.0.0/29 is exhausted: 2 /30 subnets, 1 recorded tap "
                + "devices"), e.getMessage());
        assertTrue(e.getMessage().contains("10.77.0.5/30 on eth0"), e.getMessage());
        assertTrue(e.getMessage().contains("enlarge tap.pool"), e.getMessage());
    }

    @Test
    void withABridgeGuestsGetSingleAddressesAndTheBridgeIsTheHostSide() throws Exception {
        int bridgeAddress = Ipv4Subnet.parseAddress("10.80.0.1");
        AddressAllocator allocator = new AddressAllocator(Ipv4Subnet.parse("10.80.0.0/24"), "umt", "br0",
                bridgeAddress, 24);
        AddressAllocator.Allocation a = allocator.allocate(AddressAllocator.InUse.of(
                List.of(recorded("umtaaaa", "10.80.0.1", "10.80.0.2")), ipAddrShow(LOOPBACK_ONLY)), new Random(1));
        assertEquals("10.80.0.1", ip(a.hostAddress()));
        assertEquals("10.80.0.3", ip(a.guestAddress()), "the network, the bridge and a recorded guest are skipped");
        assertEquals(24, a.prefixLength());
    }

    @Test
    void theNameIsThePrefixAndFourBase36CharactersNotAlreadyTaken() throws Exception {
        AddressAllocator allocator = new AddressAllocator(Ipv4Subnet.parse("10.77.0.0/16"), "umt", null, 0, 0);
        String taken = allocator.allocate(AddressAllocator.InUse.of(List.of(), ipAddrShow(LOOPBACK_ONLY)),
                new Random(42)).name();
        assertTrue(taken.matches("umt[0-9a-z]{4}"), taken);
        // The same random sequence would give the same name again; an interface of that name exists now.
        String host = "[{\"ifname\":\"" + taken + "\",\"addr_info\":[]}]";
        String next = allocator.allocate(AddressAllocator.InUse.of(List.of(), ipAddrShow(host)), new Random(42))
                .name();
        assertNotEquals(taken, next);
        assertTrue(next.matches("umt[0-9a-z]{4}"), next);
    }
}
