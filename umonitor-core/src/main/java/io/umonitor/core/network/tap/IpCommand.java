package io.umonitor.core.network.tap;

import io.umonitor.api.ProvisioningException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Runs iproute2's {@code ip}, optionally inside a network namespace ({@code ip -n NS}), and turns failures
 * into messages that carry the command line, its stderr and a fix.
 */
final class IpCommand {

    private static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(20);

    // Not the common pool: it has one thread on a 2-core host and these readers block. Both streams are read
    // here, so a command that hangs with its output open cannot hold the caller past the timeout.
    private static final ExecutorService OUTPUT_READERS = Executors.newCachedThreadPool(runnable -> {
        Thread thread = new Thread(runnable, "umonitor-tap-ip-output");
        thread.setDaemon(true);
        return thread;
    });

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
        ProcessBuilder builder = new ProcessBuilder(command);
        // Messages are matched to suggest fixes, so they must not be translated.
        builder.environment().put("LC_ALL", "C");
        Process process;
        try {
            process = builder.start();
        } catch (IOException e) {
            throw new ProvisioningException("could not start `" + String.join(" ", command) + "`: " + e.getMessage()
                    + ". Fix: install iproute2 (apt-get install iproute2)", e);
        }
        try {
            process.getOutputStream().close();
            CompletableFuture<String> stderr = CompletableFuture.supplyAsync(
                    () -> readAll(process.getErrorStream()), OUTPUT_READERS);
            CompletableFuture<String> stdout = CompletableFuture.supplyAsync(
                    () -> readAll(process.getInputStream()), OUTPUT_READERS);
            long deadline = System.nanoTime() + timeout.toNanos();
            if (!process.waitFor(timeout.toNanos(), TimeUnit.NANOSECONDS)) {
                kill(process);
                throw new ProvisioningException("`" + String.join(" ", command) + "` did not finish within "
                        + timeout.toSeconds() + " s and was killed. Fix: check that the host is not overloaded "
                        + "and that `ip` works when run by hand");
            }
            // A child the command left behind may hold the pipes open: wait for the output only until the deadline.
            long left = Math.max(0, deadline - System.nanoTime());
            return new Result(command, process.exitValue(), stdout.get(left, TimeUnit.NANOSECONDS),
                    stderr.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS));
        } catch (InterruptedException e) {
            kill(process);
            Thread.currentThread().interrupt();
            throw new ProvisioningException("interrupted while running `" + String.join(" ", command) + "`", e);
        } catch (IOException | ExecutionException | TimeoutException e) {
            kill(process);
            throw new ProvisioningException("could not read the output of `" + String.join(" ", command) + "`: "
                    + e, e);
        }
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

    /** Kills the command and what it started, so nothing keeps its output pipes open. */
    private static void kill(Process process) {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
    }

    private static String readAll(InputStream in) {
        try (in) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
