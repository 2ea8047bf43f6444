package io.umonitor.testkit;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Network namespaces for tests that need one of their own (the network rule: traffic goes only to loopback or
 * into namespaces the test created). Creating one is not enough to know it can be used: inside a chroot, as on
 * a debootstrap "fresh machine", {@code ip netns add} works while entering it fails ({@code ip -n} cannot make
 * {@code /} a slave mount), so a test that only checked the first step failed there instead of being skipped.
 */
public final class NetworkNamespaces {
    private NetworkNamespaces() {
    }

    /**
     * Creates network namespace {@code name} with its loopback up.
     *
     * @return empty when it exists and can be entered; otherwise why not, in words for a skipped test's reason
     *     (the namespace is then deleted again)
     */
    public static Optional<String> createEnterable(String name) throws IOException, InterruptedException {
        String added = ip("netns", "add", name);
        if (added != null) {
            return Optional.of("cannot create network namespace " + name + " (" + added
                    + "): the test needs root and iproute2");
        }
        String entered = ip("-n", name, "link", "set", "lo", "up");
        if (entered != null) {
            delete(name);
            return Optional.of("network namespaces cannot be entered here (" + entered
                    + "): run the tests on a real host or VM, not in a chroot");
        }
        return Optional.empty();
    }

    /** Deletes network namespace {@code name}; one that does not exist is not an error. */
    public static void delete(String name) throws IOException, InterruptedException {
        ip("netns", "delete", name);
    }

    /** Runs {@code ip ARGS}; null when it succeeded, else its output or why it did not run. */
    private static String ip(String... args) throws IOException, InterruptedException {
        String[] command = new String[args.length + 1];
        command[0] = "ip";
        System.arraycopy(args, 0, command, 1, args.length);
        Process p;
        try {
            p = new ProcessBuilder(command).redirectErrorStream(true).start();
        } catch (IOException e) {
            return "ip (iproute2) cannot be run: " + e.getMessage();
        }
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        if (!p.waitFor(20, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            return "ip " + String.join(" ", args) + " did not finish within 20 s";
        }
        return p.exitValue() == 0 ? null : (output.isEmpty() ? "exit " + p.exitValue() : output);
    }
}
