package io.umonitor.kit.host;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Runs a command inside a network namespace with iproute2's {@code ip netns exec NS COMMAND...}, the way a
 * tender or VMM must run when its tap devices live in a namespace (a tap can only be opened from inside
 * the namespace that holds it). Entering a namespace needs CAP_SYS_ADMIN.
 *
 * @since 0.1
 */
public final class NetworkNamespace {

    /** The iproute2 command, resolved on PATH (or /usr/sbin, /sbin) when the command starts. */
    public static final String IP = "ip";

    private NetworkNamespace() {
    }

    /** {@code command} as it runs in {@code namespace}; {@code command} itself when there is none. */
    public static List<String> wrap(Optional<String> namespace, List<String> command) {
        if (namespace.isEmpty()) {
            return List.copyOf(command);
        }
        List<String> wrapped = new ArrayList<>(prefix(namespace.get()));
        wrapped.addAll(command);
        return List.copyOf(wrapped);
    }

    /** The words that make the rest of a command line run in {@code namespace}. */
    public static List<String> prefix(String namespace) {
        return List.of(IP, "netns", "exec", namespace);
    }

    /** The same as one shell line's start, for commands shown to users (e.g. how to attach gdb). */
    public static String shellPrefix(Optional<String> namespace) {
        return namespace.map(ns -> String.join(" ", prefix(ns)) + " ").orElse("");
    }

    /**
     * The {@code ip} executable, needed when a unikernel's taps live in {@code namespace}.
     *
     * @throws io.umonitor.api.BackendUnavailableException naming the unikernel, the namespace and the fix
     */
    public static java.nio.file.Path requireIp(String unikernel, String namespace) {
        return Executables.require(IP, "run unikernel '" + unikernel + "' in the network namespace '" + namespace
                + "' of its taps", "install iproute2 (apt-get install iproute2)");
    }
}
