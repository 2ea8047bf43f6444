package io.umonitor.core.network.tap;

import com.google.auto.service.AutoService;
import io.umonitor.api.ConfigurationException;
import io.umonitor.api.Names;
import io.umonitor.api.NetworkSpec;
import io.umonitor.api.ProvisioningException;
import io.umonitor.api.Availability;
import io.umonitor.api.spi.NetworkProvisioner;
import io.umonitor.api.spi.ProviderContext;
import io.umonitor.api.ProvisionedNetwork;
import io.umonitor.core.network.tap.TapSettings.Config;
import io.umonitor.kit.host.HostChecks;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.ArrayList;
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
    private volatile Config config;

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
            Config validated = TapSettings.validate(context, builderSettings, probe, commandPrefix);
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
                        return TapDevices.create(c, record);
                    } catch (RuntimeException e) {
                        forget(c, record);
                        throw e;
                    }
                });
                ownDevices.put(key(created.name(), created.namespace()), created);
                LOG.debug("created tap {} for device {} of unikernel {}: host {}, guest {}/{}", created.name(),
                        spec.name(), unikernel, created.hostAddress(), created.guestAddress(), created.prefixLength());
                return toNetwork(created);
            } catch (TapDevices.NameClash clash) {
                // A tool outside umonitor took the name between our check and our create; pick another.
                lastClash = clash.failure;
            }
        }
        throw lastClash;
    }

    private DeviceRecord allocate(Config c, String unikernel, String device, String mac) {
        List<DeviceRecord> records = c.store().list().stream()
                .filter(r -> Objects.equals(r.namespace(), c.namespace())).toList();
        IpCommand.Result shown = c.commands().runOrFail("list the interfaces and addresses in use", "-j", "addr",
                "show");
        AddressAllocator.Allocation a = c.allocator().allocate(
                AddressAllocator.InUse.of(records, TapDevices.parseJson(shown)), random);
        ProcessHandle self = ProcessHandle.current();
        DeviceRecord record = new DeviceRecord(a.name(), c.namespace(), c.bridge(), unikernel, device, mac,
                Ipv4Subnet.format(a.hostAddress()), Ipv4Subnet.format(a.guestAddress()), a.prefixLength(),
                self.pid(), self.info().startInstant().map(Instant::toEpochMilli).orElse(0L), monitorId, -1,
                Instant.now().toString());
        c.store().write(record);
        return record;
    }

    private void forget(Config c, DeviceRecord record) {
        c.store().locked(() -> {
            c.store().delete(record);
            return null;
        });
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
            TapDevices.removeInterface(c, commandPrefix, record.get());
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
                    if (TapDevices.removeInterface(c, commandPrefix, record)) {
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
