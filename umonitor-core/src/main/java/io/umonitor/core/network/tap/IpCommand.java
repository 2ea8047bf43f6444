package io.umonitor.core.network.tap;

import io.umonitor.api.ProvisioningException;
import io.umonitor.kit.process.ToolRunner;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Runs iproute2's {@code ip}, optionally inside a network namespace ({@code ip -n NS}), and turns failures
 * into messages that carry the command line, its stderr and a fix.
 */
final class IpCommand {

    private static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(20);

    record Result(List<String> command, int exitCode, String stdout, String stderr) {
        boolean ok() {
            return exitCode == 0;
        }

        String commandLine() {
            return String.join(" ", command);
        }

        String describe() {
            String err = stderr.strip();
            return "`" + commandLine() + "` exited with " + exitCode + (err.isEmpty() ? "" : ": " + err);
        }
    }

    private final List<String> commandPrefix;
    private final Path ip;
    private final String namespace;
    private final Duration timeout;

    IpCommand(List<String> commandPrefix, Path ip, String namespace) {
        this(commandPrefix, ip, namespace, DEFAULT_TIMEOUT);
    }

    /** @param timeout how long one command may take before it is killed and the call fails */
    IpCommand(List<String> commandPrefix, Path ip, String namespace, Duration timeout) {
        this.commandPrefix = List.copyOf(commandPrefix);
        this.ip = ip;
        this.namespace = namespace;
        this.timeout = timeout;
    }

    String namespace() {
        return namespace;
    }

    Result run(String... args) {
        return run(List.of(args));
    }

    Result run(List<String> args) {
        List<String> command = new ArrayList<>(commandPrefix);
        command.add(ip.toString());
        if (namespace != null) {
            command.add("-n");
            command.add(namespace);
        }
        command.addAll(args);
        ToolRunner.Result result;
        try {
            // Messages are matched to suggest fixes, so they must not be translated.
            result = ToolRunner.run(command, null, Map.of("LC_ALL", "C"), timeout, (stream, line) -> { });
        } catch (ToolRunner.TimedOut e) {
            throw new ProvisioningException("`" + String.join(" ", command) + "` did not finish within "
                    + (timeout.toMillis() % 1000 == 0 ? timeout.toSeconds() + " s" : timeout.toMillis() + " ms")
                    + " and was killed. Fix: check that the host is not overloaded "
                    + "and that `ip` works when run by hand", e);
        } catch (IOException e) {
            if (Thread.currentThread().isInterrupted()) {
                throw new ProvisioningException("interrupted while running `" + String.join(" ", command) + "`", e);
            }
            throw new ProvisioningException("could not start `" + String.join(" ", command) + "`: " + e.getMessage()
                    + ". Fix: install iproute2 (apt-get install iproute2)", e);
        }
        return new Result(command, result.exitCode(), result.stdout(), result.stderr());
    }

    /** Runs and throws a ProvisioningException for a non-zero exit, explaining {@code what} failed. */
    Result runOrFail(String what, String... args) {
        Result result = run(args);
        if (!result.ok()) {
            throw failure(what, result);
        }
        return result;
    }

    static ProvisioningException failure(String what, Result result) {
        String fix = fixFor(result);
        return new ProvisioningException("could not " + what + ": " + result.describe()
                + (fix.isEmpty() ? "" : ". Fix: " + fix));
    }

    static String fixFor(Result result) {
        String err = result.stderr();
        String line = result.commandLine();
        if (err.contains("Cannot open network namespace")) {
            return "create the namespace (ip netns add NAME) or correct the setting tap.namespace";
        }
        if (err.contains("network namespace") && (err.contains("not permitted") || err.contains("denied"))) {
            return "entering a network namespace needs CAP_SYS_ADMIN: run the monitor as root or drop the "
                    + "setting tap.namespace";
        }
        if (err.contains("Operation not permitted") || err.contains("Permission denied")) {
            return "creating and configuring tap devices needs CAP_NET_ADMIN: run the monitor as root or grant "
                    + "it CAP_NET_ADMIN (setcap cap_net_admin+ep on the java binary, or docker run "
                    + "--cap-add=NET_ADMIN)";
        }
        if (line.contains("tuntap") && (err.contains("/dev/net/tun") || err.contains("No such file or directory")
                || err.contains("No such device"))) {
            return "/dev/net/tun is missing: load the tun module (modprobe tun) or, in a container, pass the "
                    + "device (docker run --device /dev/net/tun)";
        }
        if (err.contains("Device or resource busy") || err.contains("File exists")) {
            return "another process created an interface or address with the same name at the same time; "
                    + "retry, or give this monitor its own tap.prefix";
        }
        if (err.contains("Cannot find device")) {
            return "the interface was removed by someone else; check for other tools managing interfaces "
                    + "with the same prefix";
        }
        return "";
    }
}
