package io.umonitor.core.network.tap;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.auto.service.AutoService;
import io.umonitor.api.ConfigurationException;
import io.umonitor.api.Names;
import io.umonitor.api.NetworkSpec;
import io.umonitor.api.ProvisioningException;
import io.umonitor.api.spi.Availability;
import io.umonitor.api.spi.NetworkProvisioner;
import io.umonitor.api.spi.ProviderContext;
import io.umonitor.api.spi.ProvisionedNetwork;
import io.umonitor.kit.host.HostChecks;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Creates one Linux tap device per network device of a unikernel, with its own addresses, optionally
 * attached to a bridge and optionally inside a network namespace.
 *
 * <p>Without a bridge, the address pool (setting {@code pool}, default {@value #DEFAULT_POOL}) is carved
 * into /30 subnets: the tap gets the first address (the host side, e.g. {@code 10.77.0.1}), the guest the
 * second ({@code 10.77.0.2}). With {@code bridge}, taps carry no address and are attached to that existing
 * bridge; the bridge's own IPv4 address is the host side and guests get single addresses from the pool,
 * which defaults to the bridge's subnet. Addresses already present in the namespace and those recorded by
 * other monitors sharing the state directory are skipped.
 *
 * <p>Interface names are {@code prefix} (default {@value #DEFAULT_PREFIX}) followed by 4 random base-36
 * characters, e.g. {@code umt0k3x}, so they always fit Linux's 15-character limit. The guest MAC is the
 * spec's, or {@link #stableMac} of the unikernel and device names, so a restarted unikernel keeps it.
 *
 * <p>Settings, as {@link ProviderContext} properties (the monitor's {@code tap.} prefix stripped) or through
 * {@link #builder()}; properties override the builder:
 * <ul>
 *   <li>{@code pool}: IPv4 CIDR addresses are taken from</li>
 *   <li>{@code bridge}: an existing bridge (with an IPv4 address) to attach taps to</li>
 *   <li>{@code namespace}: an existing network namespace ({@code ip netns add}) the taps are created in;
 *       backends must then run the guest in that namespace ({@link ProvisionedNetwork#namespace()})</li>
 *   <li>{@code prefix}: interface name prefix, 1 to 11 characters</li>
 *   <li>{@code mtu}: MTU of the taps, 68 to 65521 (the kernel's default when absent)</li>
 * </ul>
 *
 * <p>Every device is recorded in the state directory before it is created and forgotten after it is
 * removed, so {@link #removeLeftovers()} can delete exactly the devices of a monitor that died (checked by
 * pid and process start time), and never anything else. {@link #close()} releases what this instance
 * still holds.
 *
 * <p>Thread-safe after {@link #initialize}. Choosing and configuring addresses runs under a host-wide lock
 * ({@code /run/lock/umonitor-tap.lock}, else in {@code java.io.tmpdir}) so that monitors with different state
 * directories never pick the same addresses; a state directory's records are guarded by a file lock in it.
 *
 * @since 0.1
 */
@AutoService(NetworkProvisioner.class)
public final class LinuxTapProvisioner implements NetworkProvisioner {

    /** The provisioner id, also the prefix of its monitor settings ({@code tap.pool}, ...). */
    public static final String ID = "tap";
    /** Setting: IPv4 CIDR the addresses come from. */
    public static final String POOL = "pool";
    /** Setting: existing bridge to attach taps to. */
    public static final String BRIDGE = "bridge";
    /** Setting: existing network namespace to create taps in. */
    public static final String NAMESPACE = "namespace";
    /** Setting: interface name prefix. */
    public static final String PREFIX = "prefix";
    /** Setting: MTU of the taps. */
    public static final String MTU = "mtu";
    public static final String DEFAULT_POOL = "10.77.0.0/16";
    public static final String DEFAULT_PREFIX = "umt";

    private static final List<String> SETTINGS = List.of(POOL, BRIDGE, NAMESPACE, PREFIX, MTU);
    private static final int ID_LENGTH = 4;
    private static final int MAX_PREFIX_LENGTH = 15 - ID_LENGTH;
    private static final Pattern PREFIX_PATTERN = Pattern.compile("[A-Za-z][A-Za-z0-9_-]{0," + (MAX_PREFIX_LENGTH - 1) + "}");
    private static final Pattern INTERFACE_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,14}");
    private static final Pattern NAMESPACE_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,254}");
    private static final String BASE36 = "0123456789abcdefghijklmnopqrstuvwxyz";
    private static final int CREATE_ATTEMPTS = 3;

    private static final Logger LOG = LoggerFactory.getLogger(LinuxTapProvisioner.class);
    /** Provisioner instances of this JVM that are initialized and not closed: their devices are not leftovers. */
    private static final Set<String> LIVE_MONITORS = ConcurrentHashMap.newKeySet();

    private final Map<String, String> builderSettings;
    private final HostProbe probe;
    private final List<String> commandPrefix;
    private final String monitorId = UUID.randomUUID().toString();
    private final AtomicBoolean initialized = new AtomicBoolean();
    private final AtomicBoolean closed = new AtomicBoolean();
    private final Map<String, DeviceRecord> ownDevices = new ConcurrentHashMap<>();
    private final SecureRandom random = new SecureRandom();
    private final ObjectMapper json = new ObjectMapper();
    private volatile Config config;

    private record Config(
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
    }

    /** For {@link java.util.ServiceLoader}: no I/O; settings come from {@link #initialize}. */
    public LinuxTapProvisioner() {
        this(Map.of(), HostProbe.system(), List.of());
    }

    private LinuxTapProvisioner(Map<String, String> builderSettings, HostProbe probe, List<String> commandPrefix) {
        this.builderSettings = Map.copyOf(builderSettings);
        this.probe = probe;
        this.commandPrefix = List.copyOf(commandPrefix);
    }

    /** Settings for embedding platforms that construct the provisioner themselves. */
    public static Builder builder() {
        return new Builder();
    }

    @Override
    public String id() {
        return ID;
    }

    @Override
    public Availability availability() {
        List<String> missing = new ArrayList<>();
        Optional<String> capabilities = probe.effectiveCapabilities();
        if (capabilities.isEmpty()) {
            missing.add("cannot read CapEff from /proc/self/status: tap devices need Linux and CAP_NET_ADMIN");
        } else if (!HostProbe.hasNetAdmin(capabilities.get())) {
            missing.add("CAP_NET_ADMIN is not among this process's effective capabilities (CapEff "
                    + capabilities.get() + "): run the monitor as root or grant CAP_NET_ADMIN "
                    + "(setcap cap_net_admin+ep on the java binary, or docker run --cap-add=NET_ADMIN)");
        } else if (builderSettings.containsKey(NAMESPACE) && !HostChecks.hasCapability(capabilities.get(),
                HostChecks.CAP_SYS_ADMIN)) {
            missing.add("CAP_SYS_ADMIN is not among this process's effective capabilities (CapEff "
                    + capabilities.get() + ") but entering network namespace '" + builderSettings.get(NAMESPACE)
                    + "' needs it: run the monitor as root or drop the namespace setting");
        }
        if (!probe.tunDevicePresent()) {
            missing.add(HostChecks.TUN_MISSING);
        }
        if (probe.ipExecutable().isEmpty()) {
            missing.add("the 'ip' command was not found on PATH or in /usr/sbin, /sbin: install iproute2 "
                    + "(apt-get install iproute2)");
        }
        return missing.isEmpty() ? Availability.usable() : Availability.unusable(String.join("; ", missing));
    }

    /** Initializes for standalone use: no extra settings, state kept in {@code stateDirectory}. */
    public void initialize(Path stateDirectory) {
        initialize(new ProviderContext(Map.of(), stateDirectory, stateDirectory));
    }

    /**
     * Validates all settings (syntax, then that the namespace and bridge exist) and reports every problem in
     * one {@link ConfigurationException}.
     *
     * @throws IllegalStateException when called twice
     */
    @Override
    public void initialize(ProviderContext context) {
        Objects.requireNonNull(context, "context");
        if (!initialized.compareAndSet(false, true)) {
            throw new IllegalStateException("the tap provisioner was already initialized; create a new instance");
        }
        try {
            Config validated = validate(context);
            LIVE_MONITORS.add(monitorId);
            config = validated;
            LOG.debug("tap provisioner initialized: pool {}, bridge {}, namespace {}, prefix {}, state {}",
                    validated.pool(), validated.bridge(), validated.namespace(), validated.prefix(),
                    validated.store().directory());
        } catch (RuntimeException e) {
            initialized.set(false);
            throw e;
        }
    }

    private Config validate(ProviderContext context) {
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
                    + "digits, '_' or '-' starting with a letter, so that the prefix and a " + ID_LENGTH
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
    private String checkPoolAgainstHostNetworks(IpCommand commands, Ipv4Subnet pool, String prefix, String namespace) {
        IpCommand.Result shown = commands.run("-j", "-4", "addr", "show");
        if (!shown.ok()) {
            return "cannot list the addresses in use" + (namespace == null ? "" : " in namespace '" + namespace + "'")
                    + ": " + shown.describe();
        }
        for (JsonNode link : parseJson(shown)) {
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
    private String inspectBridge(IpCommand commands, String bridge, String namespace, Ipv4Subnet pool,
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
        JsonNode links = parseJson(link);
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
        for (JsonNode info : parseJson(addresses).path(0).path("addr_info")) {
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

    /**
     * The MAC a device gets when its spec names none: derived from the unikernel and device names (so it is
     * stable across restarts), locally administered and unicast.
     */
    public static String stableMac(String unikernel, String device) {
        byte[] hash;
        try {
            hash = MessageDigest.getInstance("SHA-256")
                    .digest((unikernel + "\0" + device).getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform has SHA-256", e);
        }
        hash[0] = (byte) ((hash[0] & 0xfc) | 0x02);
        StringBuilder mac = new StringBuilder();
        for (int i = 0; i < 6; i++) {
            if (i > 0) {
                mac.append(':');
            }
            mac.append(String.format("%02x", hash[i] & 0xff));
        }
        return mac.toString();
    }

    /**
     * Creates the tap for device {@code spec} of {@code unikernel}: records it, creates it, gives it its
     * address (or attaches it to the bridge) and brings it up. On failure nothing is left behind.
     *
     * @throws ProvisioningException naming the failed command, its stderr and the fix
     * @throws ConfigurationException for a spec that is not a TAP device
     */
    @Override
    public ProvisionedNetwork provision(String unikernel, NetworkSpec spec) {
        Names.requireValidUnikernelName(unikernel);
        Objects.requireNonNull(spec, "spec");
        if (spec.mode() != NetworkSpec.Mode.TAP) {
            throw new ConfigurationException("network device '" + spec.name() + "' of unikernel '" + unikernel
                    + "' has mode " + spec.mode() + ": the tap provisioner only creates TAP devices; "
                    + "the backend provides " + spec.mode() + " networking itself");
        }
        Config c = requireInitialized();
        String mac = spec.requestedMac().map(m -> m.toLowerCase(Locale.ROOT))
                .orElseGet(() -> stableMac(unikernel, spec.name()));
        ProvisioningException lastClash = null;
        for (int attempt = 1; attempt <= CREATE_ATTEMPTS; attempt++) {
            try {
                DeviceRecord created = HostWideLock.run(() -> {
                    DeviceRecord record = c.store().locked(() -> allocate(c, unikernel, spec.name(), mac));
                    try {
                        return create(c, record);
                    } catch (RuntimeException e) {
                        forget(c, record);
                        throw e;
                    }
                });
                ownDevices.put(key(created.name(), created.namespace()), created);
                LOG.debug("created tap {} for device {} of unikernel {}: host {}, guest {}/{}", created.name(),
                        spec.name(), unikernel, created.hostAddress(), created.guestAddress(), created.prefixLength());
                return toNetwork(created);
            } catch (NameClash clash) {
                // A tool outside umonitor took the name between our check and our create; pick another.
                lastClash = clash.failure;
            }
        }
        throw lastClash;
    }

    private static final class NameClash extends RuntimeException {
        final ProvisioningException failure;

        NameClash(ProvisioningException failure) {
            super(failure.getMessage(), null, false, false);
            this.failure = failure;
        }
    }

    private void forget(Config c, DeviceRecord record) {
        c.store().locked(() -> {
            c.store().delete(record);
            return null;
        });
    }

    private DeviceRecord allocate(Config c, String unikernel, String device, String mac) {
        List<DeviceRecord> records = c.store().list().stream()
                .filter(r -> Objects.equals(r.namespace(), c.namespace())).toList();
        Set<String> takenNames = new HashSet<>();
        Set<Integer> reserved = new HashSet<>();
        for (DeviceRecord r : records) {
            takenNames.add(r.name());
            reserved.add(Ipv4Subnet.parseAddress(r.hostAddress()));
            reserved.add(Ipv4Subnet.parseAddress(r.guestAddress()));
        }
        IpCommand.Result shown = c.commands().runOrFail("list the interfaces and addresses in use", "-j", "addr", "show");
        Set<Integer> usedAddresses = new HashSet<>();
        List<Ipv4Subnet> usedSubnets = new ArrayList<>();
        Map<String, String> usedBy = new LinkedHashMap<>();
        for (JsonNode link : parseJson(shown)) {
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

        int hostAddress;
        int guestAddress;
        int prefixLength;
        if (c.bridge() != null) {
            Ipv4Subnet bridgeSubnet = Ipv4Subnet.containing(c.bridgeAddress(), c.bridgePrefixLength());
            int chosen = 0;
            boolean found = false;
            for (long i = 0; i < c.pool().size() && !found; i++) {
                int candidate = c.pool().network() + (int) i;
                if (candidate == bridgeSubnet.network() || candidate == bridgeSubnet.broadcast()
                        || candidate == c.bridgeAddress() || reserved.contains(candidate)
                        || usedAddresses.contains(candidate)) {
                    continue;
                }
                chosen = candidate;
                found = true;
            }
            if (!found) {
                throw exhausted(c, records.size(), usedBy);
            }
            hostAddress = c.bridgeAddress();
            guestAddress = chosen;
            prefixLength = c.bridgePrefixLength();
        } else {
            long slots = c.pool().size() / 4;
            int chosen = 0;
            boolean found = false;
            for (long i = 0; i < slots && !found; i++) {
                Ipv4Subnet slot = new Ipv4Subnet(c.pool().network() + (int) (i * 4), 30);
                if (slotInUse(slot, reserved, usedAddresses, usedSubnets)) {
                    continue;
                }
                chosen = slot.network();
                found = true;
            }
            if (!found) {
                throw exhausted(c, records.size(), usedBy);
            }
            hostAddress = chosen + 1;
            guestAddress = chosen + 2;
            prefixLength = 30;
        }

        String name = null;
        for (int i = 0; i < 1000 && name == null; i++) {
            StringBuilder candidate = new StringBuilder(c.prefix());
            for (int k = 0; k < ID_LENGTH; k++) {
                candidate.append(BASE36.charAt(random.nextInt(BASE36.length())));
            }
            if (!takenNames.contains(candidate.toString())) {
                name = candidate.toString();
            }
        }
        if (name == null) {
            throw new ProvisioningException("found no free interface name with tap.prefix '" + c.prefix()
                    + "' after 1000 tries: use a shorter prefix to leave room for more ids");
        }
        ProcessHandle self = ProcessHandle.current();
        DeviceRecord record = new DeviceRecord(name, c.namespace(), c.bridge(), unikernel, device, mac,
                Ipv4Subnet.format(hostAddress), Ipv4Subnet.format(guestAddress), prefixLength, self.pid(),
                self.info().startInstant().map(Instant::toEpochMilli).orElse(0L), monitorId, -1,
                Instant.now().toString());
        c.store().write(record);
        return record;
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

    private ProvisioningException exhausted(Config c, int recorded, Map<String, String> usedBy) {
        List<String> overlapping = usedBy.entrySet().stream()
                .filter(e -> {
                    String[] parts = e.getKey().split("/");
                    Ipv4Subnet subnet = Ipv4Subnet.containing(Ipv4Subnet.parseAddress(parts[0]),
                            Integer.parseInt(parts[1]));
                    return subnet.overlaps(c.pool()) && !e.getValue().startsWith(c.prefix());
                })
                .map(e -> e.getKey() + " on " + e.getValue())
                .limit(5)
                .toList();
        return new ProvisioningException("tap.pool " + c.pool() + " is exhausted: "
                + (c.bridge() == null ? c.pool().size() / 4 + " /30 subnets" : c.pool().size() + " addresses")
                + ", " + recorded + " recorded tap devices"
                + (overlapping.isEmpty() ? "" : ", and addresses already in use that overlap the pool: " + overlapping)
                + ". Fix: enlarge tap.pool (e.g. one prefix length shorter), release unikernels"
                + (overlapping.isEmpty() ? "" : ", or choose a pool that does not overlap the host's networks"));
    }

    private DeviceRecord create(Config c, DeviceRecord record) {
        String name = record.name();
        String purpose = " for device '" + record.device() + "' of unikernel '" + record.unikernel() + "'";
        IpCommand.Result added = c.commands().run("tuntap", "add", "dev", name, "mode", "tap");
        if (!added.ok()) {
            ProvisioningException failure = IpCommand.failure("create tap " + record.where() + purpose, added);
            if (added.stderr().contains("Device or resource busy") || added.stderr().contains("File exists")) {
                throw new NameClash(failure);
            }
            throw failure;
        }
        try {
            List<String> up = new ArrayList<>(List.of("link", "set", "dev", name));
            if (c.bridge() != null) {
                up.addAll(List.of("master", c.bridge()));
            } else {
                c.commands().runOrFail("give tap " + record.where() + " its address" + purpose,
                        "addr", "add", record.hostAddress() + "/" + record.prefixLength(), "dev", name);
            }
            if (c.mtu() != null) {
                up.addAll(List.of("mtu", String.valueOf(c.mtu())));
            }
            up.add("up");
            c.commands().runOrFail((c.bridge() != null ? "attach tap " + record.where() + " to bridge '"
                    + c.bridge() + "' and bring it up" : "bring tap " + record.where() + " up") + purpose,
                    up.toArray(String[]::new));
            IpCommand.Result shown = c.commands().runOrFail("read the index of tap " + record.where(),
                    "-j", "link", "show", "dev", name);
            DeviceRecord created = record.withIfindex(parseJson(shown).path(0).path("ifindex").asInt(-1));
            c.store().write(created);
            return created;
        } catch (RuntimeException e) {
            IpCommand.Result removed = c.commands().run("link", "del", "dev", name);
            if (!removed.ok()) {
                e.addSuppressed(IpCommand.failure("remove the half-configured tap " + record.where(), removed));
            }
            throw e;
        }
    }

    private ProvisionedNetwork toNetwork(DeviceRecord record) {
        return new ProvisionedNetwork(ID, record.device(), record.name(), record.mac(),
                Ipv4Subnet.toInetAddress(Ipv4Subnet.parseAddress(record.hostAddress())),
                Ipv4Subnet.toInetAddress(Ipv4Subnet.parseAddress(record.guestAddress())),
                record.prefixLength(), record.namespace());
    }

    /**
     * Deletes the tap and frees its addresses. Idempotent: a network already released (or whose name has
     * since been reused for another device) is left alone.
     *
     * @throws IllegalArgumentException for a network another provisioner created
     * @throws ProvisioningException when the device exists but cannot be deleted
     */
    @Override
    public void release(ProvisionedNetwork network) {
        Objects.requireNonNull(network, "network");
        if (!ID.equals(network.provisionerId())) {
            throw new IllegalArgumentException("network device '" + network.deviceName() + "' ("
                    + network.hostInterface() + ") was created by provisioner '" + network.provisionerId()
                    + "', not '" + ID + "': release it through that provisioner");
        }
        Config c = requireInitializedEvenIfClosed();
        c.store().locked(() -> {
            Optional<DeviceRecord> record = c.store().list().stream()
                    .filter(r -> r.name().equals(network.hostInterface())
                            && Objects.equals(r.namespace(), network.namespace()))
                    .findFirst();
            if (record.isEmpty() || !describesSameDevice(record.get(), network)) {
                return null;
            }
            removeInterface(c, record.get());
            c.store().delete(record.get());
            ownDevices.remove(key(record.get().name(), record.get().namespace()));
            LOG.debug("released tap {} of unikernel {}", record.get().name(), record.get().unikernel());
            return null;
        });
    }

    private static boolean describesSameDevice(DeviceRecord record, ProvisionedNetwork network) {
        return record.device().equals(network.deviceName())
                && record.mac().equalsIgnoreCase(network.mac())
                && record.guestAddress().equals(network.guestAddress().getHostAddress())
                && record.hostAddress().equals(network.hostAddress().getHostAddress());
    }

    /** Deletes the recorded interface if it still exists and is still the one we created; true if deleted. */
    private boolean removeInterface(Config c, DeviceRecord record) {
        IpCommand commands = Objects.equals(record.namespace(), c.namespace())
                ? c.commands() : new IpCommand(commandPrefix, c.ip(), record.namespace());
        IpCommand.Result shown = commands.run("-j", "-d", "link", "show", "dev", record.name());
        if (!shown.ok()) {
            if (shown.stderr().contains("does not exist") || shown.stderr().contains("Cannot find device")
                    || shown.stderr().contains("Cannot open network namespace")) {
                return false;
            }
            throw IpCommand.failure("check tap " + record.where() + " before removing it", shown);
        }
        JsonNode link = parseJson(shown).path(0);
        int ifindex = link.path("ifindex").asInt(-1);
        String kind = link.path("linkinfo").path("info_kind").asText("");
        String type = link.path("linkinfo").path("info_data").path("type").asText("");
        if ((record.ifindex() > 0 && ifindex != record.ifindex()) || !"tun".equals(kind) || !"tap".equals(type)) {
            LOG.warn("not removing interface {}: it is not the tap this monitor created (index {} kind {}/{}, "
                    + "recorded index {}); someone else reused the name", record.where(), ifindex, kind, type,
                    record.ifindex());
            return false;
        }
        IpCommand.Result deleted = commands.run("link", "del", "dev", record.name());
        if (!deleted.ok()) {
            if (deleted.stderr().contains("Cannot find device")) {
                return false;
            }
            throw IpCommand.failure("remove tap " + record.where() + " of unikernel '" + record.unikernel() + "'",
                    deleted);
        }
        return true;
    }

    /**
     * Deletes the taps that monitors which are no longer running recorded in this state directory (a process
     * that is gone, or whose pid now belongs to a newer process; in this JVM, an instance that was closed),
     * but only those whose interface still exists with the recorded index. Records of live monitors are
     * left alone.
     *
     * @return how many interfaces were deleted
     */
    @Override
    public int removeLeftovers() {
        Config c = requireInitialized();
        return c.store().locked(() -> {
            int removed = 0;
            for (DeviceRecord record : c.store().list()) {
                if (ownerAlive(record)) {
                    continue;
                }
                try {
                    if (removeInterface(c, record)) {
                        removed++;
                        LOG.info("removed leftover tap {} of unikernel '{}' (created by monitor pid {}, no longer "
                                + "running)", record.where(), record.unikernel(), record.ownerPid());
                    }
                    c.store().delete(record);
                } catch (ProvisioningException e) {
                    // One stubborn device must not keep the others; its record stays for the next attempt.
                    LOG.warn("could not remove leftover tap {}: {}", record.where(), e.getMessage());
                }
            }
            return removed;
        });
    }

    private static boolean ownerAlive(DeviceRecord record) {
        Optional<ProcessHandle> owner = ProcessHandle.of(record.ownerPid()).filter(ProcessHandle::isAlive);
        if (owner.isEmpty()) {
            return false;
        }
        if (record.ownerStartMillis() > 0) {
            Optional<Instant> started = owner.get().info().startInstant();
            if (started.isPresent() && started.get().toEpochMilli() != record.ownerStartMillis()) {
                return false;
            }
        }
        if (owner.get().pid() == ProcessHandle.current().pid()) {
            return LIVE_MONITORS.contains(record.monitorId());
        }
        return true;
    }

    /** The networks this instance provisioned and has not released. */
    public List<ProvisionedNetwork> provisioned() {
        return ownDevices.values().stream().map(this::toNetwork).toList();
    }

    /**
     * Releases every device this instance still holds; later {@link #provision} calls fail. Idempotent.
     * Failures are logged per device so one stubborn device does not keep the others.
     */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        try {
            if (config != null) {
                for (DeviceRecord record : List.copyOf(ownDevices.values())) {
                    try {
                        release(toNetwork(record));
                    } catch (RuntimeException e) {
                        LOG.warn("could not release tap {} on close: {}", record.where(), e.getMessage());
                    }
                }
            }
        } finally {
            LIVE_MONITORS.remove(monitorId);
        }
    }

    private Config requireInitialized() {
        if (closed.get()) {
            throw new IllegalStateException("the tap provisioner was closed");
        }
        return requireInitializedEvenIfClosed();
    }

    private Config requireInitializedEvenIfClosed() {
        Config c = config;
        if (c == null) {
            throw new IllegalStateException("the tap provisioner is not initialized: call initialize first");
        }
        return c;
    }

    private JsonNode parseJson(IpCommand.Result result) {
        try {
            String out = result.stdout().strip();
            return json.readTree(out.isEmpty() ? "[]" : out);
        } catch (IOException e) {
            throw new ProvisioningException("could not parse the JSON output of `" + result.commandLine() + "`: "
                    + e.getMessage() + ". Fix: use iproute2 5.0 or newer (JSON output, ip -j)", e);
        }
    }

    private static String key(String name, String namespace) {
        return namespace == null ? name : name + "@" + namespace;
    }

    /** Settings for a provisioner constructed in code; validated together in {@link #initialize}. */
    public static final class Builder {
        private final Map<String, String> settings = new LinkedHashMap<>();
        private HostProbe probe = HostProbe.system();
        private List<String> commandPrefix = List.of();

        private Builder() {
        }

        /** IPv4 CIDR addresses come from, e.g. {@code 10.77.0.0/16}; see the class description. */
        public Builder pool(String cidr) {
            return set(POOL, cidr);
        }

        /** An existing bridge, with an IPv4 address, to attach taps to. */
        public Builder bridge(String bridge) {
            return set(BRIDGE, bridge);
        }

        /** An existing network namespace to create taps in. */
        public Builder namespace(String namespace) {
            return set(NAMESPACE, namespace);
        }

        /** Interface name prefix, 1 to 11 characters (default {@value LinuxTapProvisioner#DEFAULT_PREFIX}). */
        public Builder prefix(String prefix) {
            return set(PREFIX, prefix);
        }

        public Builder mtu(int mtu) {
            return set(MTU, String.valueOf(mtu));
        }

        /** Simulates hosts without capabilities, /dev/net/tun or iproute2 (tests). */
        Builder hostProbe(HostProbe hostProbe) {
            this.probe = Objects.requireNonNull(hostProbe, "hostProbe");
            return this;
        }

        /** Runs every {@code ip} through a wrapper such as {@code setpriv} (tests that drop capabilities). */
        Builder commandPrefix(List<String> prefix) {
            this.commandPrefix = List.copyOf(prefix);
            return this;
        }

        private Builder set(String key, String value) {
            if (value == null) {
                settings.remove(key);
            } else {
                settings.put(key, value);
            }
            return this;
        }

        /** A provisioner with these settings; still call {@link LinuxTapProvisioner#initialize}. */
        public LinuxTapProvisioner build() {
            return new LinuxTapProvisioner(settings, probe, commandPrefix);
        }
    }
}
