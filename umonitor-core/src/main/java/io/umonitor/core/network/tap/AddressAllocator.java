package io.umonitor.core.network.tap;

import com.fasterxml.jackson.databind.JsonNode;
import io.umonitor.api.ProvisioningException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.random.RandomGenerator;

/**
 * Chooses a new tap's interface name and addresses from what is in use, without touching the host: the
 * caller lists the interfaces and the recorded devices, this decides. Without a bridge the pool is carved
 * into /30 subnets (host side first address, guest second); with a bridge guests get single addresses
 * from the pool and the bridge's address is the host side.
 */
final class AddressAllocator {
    /** Random base-36 characters after the prefix: with a prefix of at most 11, a name fits Linux's 15. */
    static final int ID_LENGTH = 4;
    private static final String BASE36 = "0123456789abcdefghijklmnopqrstuvwxyz";

    /**
     * What is taken.
     *
     * @param names interface names that exist or are recorded
     * @param reserved addresses recorded for devices (of any monitor sharing the state directory)
     * @param addresses IPv4 addresses on the host's interfaces
     * @param subnets the subnets of those addresses
     * @param usedBy "address/prefix" to interface name, for error messages
     * @param recorded how many devices are recorded
     */
    record InUse(Set<String> names, Set<Integer> reserved, Set<Integer> addresses, List<Ipv4Subnet> subnets,
            Map<String, String> usedBy, int recorded) {

        /** From the recorded devices and the output of {@code ip -j addr show}. */
        static InUse of(List<DeviceRecord> records, JsonNode links) {
            Set<String> takenNames = new HashSet<>();
            Set<Integer> reserved = new HashSet<>();
            for (DeviceRecord r : records) {
                takenNames.add(r.name());
                reserved.add(Ipv4Subnet.parseAddress(r.hostAddress()));
                reserved.add(Ipv4Subnet.parseAddress(r.guestAddress()));
            }
            Set<Integer> usedAddresses = new HashSet<>();
            List<Ipv4Subnet> usedSubnets = new ArrayList<>();
            Map<String, String> usedBy = new LinkedHashMap<>();
            for (JsonNode link : links) {
                takenNames.add(link.path("ifname").asText());
                for (JsonNode info : link.path("addr_info")) {
                    if ("inet".equals(info.path("family").asText())) {
                        int address = Ipv4Subnet.parseAddress(info.path("local").asText());
                        int prefixLength = info.path("prefixlen").asInt();
                        usedAddresses.add(address);
                        usedSubnets.add(Ipv4Subnet.containing(address, prefixLength));
                        usedBy.put(Ipv4Subnet.format(address) + "/" + prefixLength, link.path("ifname").asText());
                    }
                }
            }
            return new InUse(takenNames, reserved, usedAddresses, usedSubnets, usedBy, records.size());
        }
    }

    /** A new tap's name and addresses (IPv4 as ints). */
    record Allocation(String name, int hostAddress, int guestAddress, int prefixLength) {
    }

    private final Ipv4Subnet pool;
    private final String prefix;
    private final String bridge;
    private final int bridgeAddress;
    private final int bridgePrefixLength;

    /** @param bridge the bridge taps are attached to, or null for a /30 per tap */
    AddressAllocator(Ipv4Subnet pool, String prefix, String bridge, int bridgeAddress, int bridgePrefixLength) {
        this.pool = pool;
        this.prefix = prefix;
        this.bridge = bridge;
        this.bridgeAddress = bridgeAddress;
        this.bridgePrefixLength = bridgePrefixLength;
    }

    /**
     * The lowest free addresses and a random free name.
     *
     * @throws ProvisioningException when the pool is exhausted or no free name is found
     */
    Allocation allocate(InUse inUse, RandomGenerator random) {
        int hostAddress;
        int guestAddress;
        int prefixLength;
        if (bridge != null) {
            Ipv4Subnet bridgeSubnet = Ipv4Subnet.containing(bridgeAddress, bridgePrefixLength);
            int chosen = 0;
            boolean found = false;
            for (long i = 0; i < pool.size() && !found; i++) {
                int candidate = pool.network() + (int) i;
                if (candidate == bridgeSubnet.network() || candidate == bridgeSubnet.broadcast()
                        || candidate == bridgeAddress || inUse.reserved().contains(candidate)
                        || inUse.addresses().contains(candidate)) {
                    continue;
                }
                chosen = candidate;
                found = true;
            }
            if (!found) {
                throw exhausted(inUse.recorded(), inUse.usedBy());
            }
            hostAddress = bridgeAddress;
            guestAddress = chosen;
            prefixLength = bridgePrefixLength;
        } else {
            long slots = pool.size() / 4;
            int chosen = 0;
            boolean found = false;
            for (long i = 0; i < slots && !found; i++) {
                Ipv4Subnet slot = new Ipv4Subnet(pool.network() + (int) (i * 4), 30);
                if (slotInUse(slot, inUse.reserved(), inUse.addresses(), inUse.subnets())) {
                    continue;
                }
                chosen = slot.network();
                found = true;
            }
            if (!found) {
                throw exhausted(inUse.recorded(), inUse.usedBy());
            }
            hostAddress = chosen + 1;
            guestAddress = chosen + 2;
            prefixLength = 30;
        }

        String name = null;
        for (int i = 0; i < 1000 && name == null; i++) {
            StringBuilder candidate = new StringBuilder(prefix);
            for (int k = 0; k < ID_LENGTH; k++) {
                candidate.append(BASE36.charAt(random.nextInt(BASE36.length())));
            }
            if (!inUse.names().contains(candidate.toString())) {
                name = candidate.toString();
            }
        }
        if (name == null) {
            throw new ProvisioningException("found no free interface name with tap.prefix '" + prefix
                    + "' after 1000 tries: use a shorter prefix to leave room for more ids");
        }
        return new Allocation(name, hostAddress, guestAddress, prefixLength);
    }

    private static boolean slotInUse(Ipv4Subnet slot, Set<Integer> reserved, Set<Integer> usedAddresses,
            List<Ipv4Subnet> usedSubnets) {
        for (int offset = 0; offset < 4; offset++) {
            int address = slot.network() + offset;
            if (reserved.contains(address) || usedAddresses.contains(address)) {
                return true;
            }
        }
        for (Ipv4Subnet used : usedSubnets) {
            // A wider subnet already routed here (e.g. a bridge's /16) would make our /30 ambiguous.
            if (used.prefixLength() < 30 && used.overlaps(slot)) {
                return true;
            }
        }
        return false;
    }

    private ProvisioningException exhausted(int recorded, Map<String, String> usedBy) {
        List<String> overlapping = usedBy.entrySet().stream()
                .filter(e -> {
                    String[] parts = e.getKey().split("/");
                    Ipv4Subnet subnet = Ipv4Subnet.containing(Ipv4Subnet.parseAddress(parts[0]),
                            Integer.parseInt(parts[1]));
                    return subnet.overlaps(pool) && !e.getValue().startsWith(prefix);
                })
                .map(e -> e.getKey() + " on " + e.getValue())
                .limit(5)
                .toList();
        return new ProvisioningException("tap.pool " + pool + " is exhausted: "
                + (bridge == null ? pool.size() / 4 + " /30 subnets" : pool.size() + " addresses")
                + ", " + recorded + " recorded tap devices"
                + (overlapping.isEmpty() ? "" : ", and addresses already in use that overlap the pool: " + overlapping)
                + ". Fix: enlarge tap.pool (e.g. one prefix length shorter), release unikernels"
                + (overlapping.isEmpty() ? "" : ", or choose a pool that does not overlap the host's networks"));
    }
}
