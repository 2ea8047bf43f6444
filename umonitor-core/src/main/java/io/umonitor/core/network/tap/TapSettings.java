package io.umonitor.core.network.tap;

import static io.umonitor.core.network.tap.LinuxTapProvisioner.BRIDGE;
import static io.umonitor.core.network.tap.LinuxTapProvisioner.DEFAULT_POOL;
import static io.umonitor.core.network.tap.LinuxTapProvisioner.DEFAULT_PREFIX;
import static io.umonitor.core.network.tap.LinuxTapProvisioner.ID;
import static io.umonitor.core.network.tap.LinuxTapProvisioner.MTU;
import static io.umonitor.core.network.tap.LinuxTapProvisioner.NAMESPACE;
import static io.umonitor.core.network.tap.LinuxTapProvisioner.POOL;
import static io.umonitor.core.network.tap.LinuxTapProvisioner.PREFIX;

import com.fasterxml.jackson.databind.JsonNode;
import io.umonitor.api.ConfigurationException;
import io.umonitor.api.spi.ProviderContext;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The tap provisioner's settings: parsed, checked against the host, and every problem reported at once. */
final class TapSettings {
    private static final Logger LOG = LoggerFactory.getLogger(LinuxTapProvisioner.class);
    private static final List<String> SETTINGS = List.of(POOL, BRIDGE, NAMESPACE, PREFIX, MTU);
    private static final int MAX_PREFIX_LENGTH = 15 - AddressAllocator.ID_LENGTH;
    private static final Pattern PREFIX_PATTERN =
            Pattern.compile("[A-Za-z][A-Za-z0-9_-]{0," + (MAX_PREFIX_LENGTH - 1) + "}");
    private static final Pattern INTERFACE_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,14}");
    private static final Pattern NAMESPACE_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,254}");

    private TapSettings() {
    }

    /** Validated settings, and the {@code ip} runner and state store they lead to. */
    record Config(
            Ipv4Subnet pool,
            String bridge,
            String namespace,
            String prefix,
            Integer mtu,
            Path ip,
            IpCommand commands,
            DeviceStateStore store,
            int bridgeAddress,
            int bridgePrefixLength) {

        AddressAllocator allocator() {
            return new AddressAllocator(pool, prefix, bridge, bridgeAddress, bridgePrefixLength);
        }
    }


    /**
     * Checks every setting (syntax first, then that the namespace and bridge exist and that the pool is
     * usable) and reports every problem in one {@link ConfigurationException}.
     *
     * @param builderSettings settings given to {@link LinuxTapProvisioner#builder()}; properties override them
     */
    static Config validate(ProviderContext context, Map<String, String> builderSettings, HostProbe probe,
            List<String> commandPrefix) {
        List<String> problems = new ArrayList<>();
        List<String> unknown = context.properties().keySet().stream()
                .filter(key -> !SETTINGS.contains(key)).sorted().toList();
        if (!unknown.isEmpty()) {
            problems.add("unknown setting(s) " + unknown.stream().map(k -> ID + "." + k).toList()
                    + ": known settings are " + SETTINGS.stream().map(k -> ID + "." + k).toList());
        }
        Map<String, String> settings = new LinkedHashMap<>(builderSettings);
        settings.putAll(context.properties());

        String bridge = settings.get(BRIDGE);
        if (bridge != null && !INTERFACE_NAME.matcher(bridge).matches()) {
            problems.add("tap.bridge '" + bridge + "' is not a valid interface name: use 1 to 15 letters, digits, "
                    + "'.', '_' or '-' (e.g. 'br0')");
            bridge = null;
        }
        Ipv4Subnet pool = null;
        String poolText = settings.get(POOL);
        if (poolText != null) {
            try {
                pool = Ipv4Subnet.parse(poolText);
                if (pool.prefixLength() > 30) {
                    problems.add("tap.pool '" + poolText + "' is too small: "
                            + (bridge == null ? "each tap needs a /30" : "it leaves no guest addresses")
                            + "; use a prefix length of 30 or less (e.g. " + DEFAULT_POOL + ")");
                }
            } catch (IllegalArgumentException e) {
                problems.add("tap.pool '" + poolText + "' is invalid: " + e.getMessage());
            }
        } else if (bridge == null) {
            pool = Ipv4Subnet.parse(DEFAULT_POOL);
        }
        String namespace = settings.get(NAMESPACE);
        if (namespace != null && !NAMESPACE_NAME.matcher(namespace).matches()) {
            problems.add("tap.namespace '" + namespace + "' is not a valid network namespace name: use letters, "
                    + "digits, '.', '_' or '-' (e.g. 'umonitor')");
        }
        String prefix = settings.getOrDefault(PREFIX, DEFAULT_PREFIX);
        if (!PREFIX_PATTERN.matcher(prefix).matches()) {
            problems.add("tap.prefix '" + prefix + "' is invalid: use 1 to " + MAX_PREFIX_LENGTH + " letters, "
                    + "digits, '_' or '-' starting with a letter, so that the prefix and a " + AddressAllocator.ID_LENGTH
                    + "-character id fit Linux's 15-character interface names (e.g. '" + DEFAULT_PREFIX + "')");
        }
        Integer mtu = null;
        String mtuText = settings.get(MTU);
        if (mtuText != null) {
            try {
                mtu = Integer.valueOf(mtuText.strip());
                if (mtu < 68 || mtu > 65521) {
                    problems.add("tap.mtu '" + mtuText + "' is outside 68..65521: use e.g. 1500");
                }
            } catch (NumberFormatException e) {
                problems.add("tap.mtu '" + mtuText + "' is not a number: use e.g. 1500");
            }
        }
        DeviceStateStore store = null;
        try {
            store = new DeviceStateStore(context.stateDirectory());
        } catch (IOException | RuntimeException e) {
            problems.add("state directory " + context.stateDirectory() + " is not usable (" + e
                    + "): give the monitor a writable state directory");
        }
        Optional<Path> ip = probe.ipExecutable();
        if (ip.isEmpty()) {
            problems.add("the 'ip' command was not found on PATH or in /usr/sbin, /sbin: install iproute2 "
                    + "(apt-get install iproute2)");
        }
        if (!problems.isEmpty() || ip.isEmpty()) {
            throw invalid(problems);
        }

        IpCommand commands = new IpCommand(commandPrefix, ip.get(), namespace);
        if (namespace != null) {
            IpCommand.Result check = commands.run("link", "show", "dev", "lo");
            if (!check.ok()) {
                String fix = IpCommand.fixFor(check);
                problems.add("tap.namespace '" + namespace + "' cannot be used: " + check.describe()
                        + (check.stderr().contains("Cannot open network namespace")
                        ? ". Fix: create it (ip netns add " + namespace + ") or remove the setting"
                        : fix.isEmpty() ? "" : ". Fix: " + fix));
                throw invalid(problems);
            }
        }
        int bridgeAddress = 0;
        int bridgePrefixLength = 0;
        if (bridge != null) {
            Ipv4Subnet[] bridgeSide = new Ipv4Subnet[1];
            int[] hostAddress = new int[1];
            String problem = inspectBridge(commands, bridge, namespace, pool, bridgeSide, hostAddress);
            if (problem != null) {
                problems.add(problem);
                throw invalid(problems);
            }
            bridgeAddress = hostAddress[0];
            bridgePrefixLength = bridgeSide[0].prefixLength();
            if (pool == null) {
                pool = bridgeSide[0];
            }
        } else {
            String problem = checkPoolAgainstHostNetworks(commands, pool, prefix, namespace);
            if (problem != null) {
                problems.add(problem);
                throw invalid(problems);
            }
        }
        return new Config(pool, bridge, namespace, prefix, mtu, ip.get(), commands, store, bridgeAddress,
                bridgePrefixLength);
    }

    /**
     * A pool inside a network the host already uses (e.g. the default pool on a host in 10.0.0.0/8) could
     * never hand out an address, so it is a configuration error; a partial overlap only costs the overlapping
     * addresses and is logged.
     */
    private static String checkPoolAgainstHostNetworks(IpCommand commands, Ipv4Subnet pool, String prefix, String namespace) {
        IpCommand.Result shown = commands.run("-j", "-4", "addr", "show");
        if (!shown.ok()) {
            return "cannot list the addresses in use" + (namespace == null ? "" : " in namespace '" + namespace + "'")
                    + ": " + shown.describe();
        }
        for (JsonNode link : TapDevices.parseJson(shown)) {
            String ifname = link.path("ifname").asText();
            if (ifname.startsWith(prefix)) {
                continue;
            }
            for (JsonNode info : link.path("addr_info")) {
                if (!"inet".equals(info.path("family").asText())) {
                    continue;
                }
                int prefixLength = info.path("prefixlen").asInt();
                Ipv4Subnet used = Ipv4Subnet.containing(Ipv4Subnet.parseAddress(info.path("local").asText()),
                        prefixLength);
                if (used.prefixLength() < 30 && used.contains(pool)) {
                    return "tap.pool " + pool + " lies inside " + info.path("local").asText() + "/" + prefixLength
                            + " of interface " + ifname + ", so no address in it is free: choose a pool that does "
                            + "not overlap the host's networks (e.g. 10.77.0.0/16 or 172.30.0.0/16)";
                }
                if (used.overlaps(pool)) {
                    LOG.warn("tap.pool {} overlaps {}/{} of interface {}; those addresses are skipped", pool,
                            info.path("local").asText(), prefixLength, ifname);
                }
            }
        }
        return null;
    }

    /** Returns a problem sentence, or null with the bridge's subnet and address filled in. */
    private static String inspectBridge(IpCommand commands, String bridge, String namespace, Ipv4Subnet pool,
            Ipv4Subnet[] subnetOut, int[] addressOut) {
        String where = namespace == null ? "" : " in network namespace '" + namespace + "'";
        String createIt = "create it (ip" + (namespace == null ? "" : " -n " + namespace) + " link add " + bridge
                + " type bridge; ip" + (namespace == null ? "" : " -n " + namespace) + " addr add "
                + (pool == null ? "10.77.0.1/16" : Ipv4Subnet.format(pool.network() + 1) + "/" + pool.prefixLength())
                + " dev " + bridge + "; ip" + (namespace == null ? "" : " -n " + namespace) + " link set " + bridge
                + " up) or remove the setting tap.bridge";
        IpCommand.Result link = commands.run("-j", "-d", "link", "show", "dev", bridge);
        if (!link.ok()) {
            return "tap.bridge '" + bridge + "' does not exist" + where + " (" + link.describe() + "): " + createIt;
        }
        JsonNode links = TapDevices.parseJson(link);
        String kind = links.path(0).path("linkinfo").path("info_kind").asText("");
        if (!"bridge".equals(kind)) {
            return "tap.bridge '" + bridge + "'" + where + " is not a bridge (its kind is '"
                    + (kind.isEmpty() ? "none" : kind) + "'): name a bridge (ip link add NAME type bridge)";
        }
        IpCommand.Result addresses = commands.run("-j", "-4", "addr", "show", "dev", bridge);
        if (!addresses.ok()) {
            return "cannot read the addresses of tap.bridge '" + bridge + "'" + where + ": " + addresses.describe();
        }
        List<String> found = new ArrayList<>();
        for (JsonNode info : TapDevices.parseJson(addresses).path(0).path("addr_info")) {
            if (!"inet".equals(info.path("family").asText())) {
                continue;
            }
            int address = Ipv4Subnet.parseAddress(info.path("local").asText());
            int prefixLength = info.path("prefixlen").asInt();
            Ipv4Subnet subnet = Ipv4Subnet.containing(address, prefixLength);
            found.add(Ipv4Subnet.format(address) + "/" + prefixLength);
            if (prefixLength <= 30 && (pool == null || subnet.contains(pool))) {
                subnetOut[0] = subnet;
                addressOut[0] = address;
                return null;
            }
        }
        if (found.isEmpty()) {
            return "tap.bridge '" + bridge + "'" + where + " has no IPv4 address, so guests would have no host "
                    + "side to reach: give it one (ip" + (namespace == null ? "" : " -n " + namespace) + " addr add "
                    + (pool == null ? "10.77.0.1/16" : Ipv4Subnet.format(pool.network() + 1) + "/" + pool.prefixLength())
                    + " dev " + bridge + ")";
        }
        return "tap.pool '" + pool + "' is not inside the subnet of any address of tap.bridge '" + bridge + "' "
                + found + ": use a pool inside the bridge's subnet, or leave tap.pool unset to use the bridge's subnet";
    }

    private static ConfigurationException invalid(List<String> problems) {
        return new ConfigurationException("the tap network provisioner's settings are invalid ("
                + problems.size() + " problem" + (problems.size() == 1 ? "" : "s") + "):\n  - "
                + String.join("\n  - ", problems));
    }
}
