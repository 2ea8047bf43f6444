package io.umonitor.core.network.tap;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.umonitor.api.ProvisioningException;
import io.umonitor.core.network.tap.TapSettings.Config;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The {@code ip} commands that create and remove one tap device, and reading their JSON output. */
final class TapDevices {
    private static final Logger LOG = LoggerFactory.getLogger(LinuxTapProvisioner.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private TapDevices() {
    }

    /** The kernel refused the name: another tool took it between our check and our create. */
    static final class NameClash extends RuntimeException {
        final ProvisioningException failure;

        NameClash(ProvisioningException failure) {
            super(failure.getMessage(), null, false, false);
            this.failure = failure;
        }
    }

    /**
     * Creates the recorded tap: gives it its address (or attaches it to the bridge), sets its MTU, brings it
     * up and records its interface index. On failure the half-configured interface is removed.
     *
     * @throws NameClash when the name was taken meanwhile (the caller picks another)
     */
    static DeviceRecord create(Config c, DeviceRecord record) {
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

    /** Deletes the recorded interface if it still exists and is still the one we created; true if deleted. */
    static boolean removeInterface(Config c, List<String> commandPrefix, DeviceRecord record) {
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

    /** The JSON output of {@code ip -j}; an empty output is an empty list. */
    static JsonNode parseJson(IpCommand.Result result) {
        try {
            String out = result.stdout().strip();
            return JSON.readTree(out.isEmpty() ? "[]" : out);
        } catch (IOException e) {
            throw new ProvisioningException("could not parse the JSON output of `" + result.commandLine() + "`: "
                    + e.getMessage() + ". Fix: use iproute2 5.0 or newer (JSON output, ip -j)", e);
        }
    }
}
