package io.umonitor.protocol.testing;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * A private network namespace holding one tap device with a host address, for tests that send
 * hand-built Ethernet frames (a Solo5 tender, or a stand-in program) to a receiver that lives in the
 * namespace. {@link #close()} deletes the tap and the namespace, whatever happened.
 *
 * <pre>{@code
 * try (TapNamespace ns = TapNamespace.create("cclient", "10.77.0.1/24");
 *      TapNamespace.Receiver rx = ns.startUdpReceiver()) {
 *     Process guest = ns.exec("solo5-spt", "--net:service0=" + ns.tap(), ...).start();
 *     rx.await(l -> l.startsWith("GOODBYE"), Duration.ofSeconds(30));
 * }
 * }</pre>
 */
public final class TapNamespace implements AutoCloseable {
    private final String name;
    private final String tap;
    private final String hostAddress;
    private final List<Process> processes = new ArrayList<>();
    private boolean closed;

    private TapNamespace(String name, String tap, String hostAddress) {
        this.name = name;
        this.tap = tap;
        this.hostAddress = hostAddress;
    }

    /** True when this host can create namespaces and taps (root, /dev/net/tun, ip). */
    public static boolean available() {
        return "root".equals(System.getProperty("user.name")) && Files.exists(Path.of("/dev/net/tun"))
                && onPath("ip") && NamespaceProbe.FAILURE == null;
    }

    /** How to make {@link #available()} true, for skip messages. */
    public static final String REQUIREMENT =
            "needs root, /dev/net/tun and ip (iproute2) to create and enter a network namespace with a tap device"
                    + (NamespaceProbe.FAILURE == null ? "" : "; here: " + NamespaceProbe.FAILURE);

    /**
     * Whether a namespace can be entered here, tried once: inside a chroot (as on a debootstrap "fresh
     * machine") {@code ip -n} fails because / is not a mount point, while creating one still works.
     */
    private static final class NamespaceProbe {
        static final String FAILURE = probe();

        private static String probe() {
            if (!"root".equals(System.getProperty("user.name")) || !onPath("ip")) {
                return "not root or no ip command";
            }
            String name = "umt-probe-" + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt());
            try {
                run("ip", "netns", "add", name);
                try {
                    run("ip", "-n", name, "link", "set", "lo", "up");
                    return null;
                } finally {
                    runQuietly("ip", "netns", "del", name);
                }
            } catch (RuntimeException | AssertionError e) {
                return "network namespaces cannot be entered (" + e.getMessage().strip()
                        + "): run the tests on a real host or VM, not in a chroot";
            }
        }
    }

    /**
     * Creates namespace {@code umt-OWNER-RANDOM} with tap {@code umtRANDOM} carrying {@code hostCidr}
     * (e.g. 10.77.0.1/24), up.
     */
    public static TapNamespace create(String owner, String hostCidr) {
        String suffix = HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt()).substring(1);
        TapNamespace ns = new TapNamespace("umt-" + owner + "-" + suffix, "umt" + suffix,
                hostCidr.substring(0, hostCidr.indexOf('/')));
        run("ip", "netns", "add", ns.name);
        try {
            run("ip", "-n", ns.name, "link", "set", "lo", "up");
            run("ip", "-n", ns.name, "tuntap", "add", "dev", ns.tap, "mode", "tap");
            run("ip", "-n", ns.name, "addr", "add", hostCidr, "dev", ns.tap);
            run("ip", "-n", ns.name, "link", "set", ns.tap, "up");
        } catch (RuntimeException | Error e) {
            ns.close();
            throw e;
        }
        return ns;
    }

    public String name() {
        return name;
    }

    public String tap() {
        return tap;
    }

    public String hostAddress() {
        return hostAddress;
    }

    /** A process builder that runs {@code command} inside the namespace. */
    public ProcessBuilder exec(String... command) {
        List<String> full = new ArrayList<>(List.of("ip", "netns", "exec", name));
        full.addAll(List.of(command));
        return new ProcessBuilder(full);
    }

    /** Runs {@code ip -n NS args...} and fails on a non-zero exit. */
    public void ip(String... args) {
        List<String> full = new ArrayList<>(List.of("ip", "-n", name));
        full.addAll(List.of(args));
        run(full.toArray(String[]::new));
    }

    /** Starts {@link UdpReceiverMain} in a JVM inside the namespace, bound to the host address. */
    public Receiver startUdpReceiver() {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        try {
            Process p = exec(java, "-cp", System.getProperty("java.class.path"), UdpReceiverMain.class.getName(),
                    hostAddress).redirectError(ProcessBuilder.Redirect.INHERIT).start();
            processes.add(p);
            Receiver r = new Receiver(p);
            String listening = r.await(l -> l.startsWith("LISTENING "), Duration.ofSeconds(30));
            r.port = Integer.parseInt(listening.substring("LISTENING ".length()));
            return r;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start the UDP receiver in namespace " + name, e);
        }
    }

    /** A receiver JVM in the namespace; its output lines as {@link UdpReceiverMain} prints them. */
    public static final class Receiver implements AutoCloseable {
        private final Process process;
        private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
        private final List<String> seen = new ArrayList<>();
        private int port;

        Receiver(Process process) {
            this.process = process;
            Thread t = new Thread(() -> {
                try (BufferedReader in = new BufferedReader(
                        new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                    String line;
                    while ((line = in.readLine()) != null) {
                        lines.add(line);
                    }
                } catch (IOException e) {
                    // the receiver was stopped
                }
            }, "tap-receiver-output");
            t.setDaemon(true);
            t.start();
        }

        public int port() {
            return port;
        }

        /** Every line taken so far by {@link #await}. */
        public synchronized List<String> seen() {
            return List.copyOf(seen);
        }

        /** Takes lines until one matches; throws AssertionError naming the lines seen on timeout. */
        public synchronized String await(Predicate<String> match, Duration timeout) {
            long deadline = System.nanoTime() + timeout.toNanos();
            try {
                while (true) {
                    String line = lines.poll(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                    if (line == null) {
                        throw new AssertionError("the receiver printed no matching line within " + timeout
                                + "; lines: " + seen);
                    }
                    seen.add(line);
                    if (match.test(line)) {
                        return line;
                    }
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted", e);
            }
        }

        /** Asks the receiver to send one datagram to host:port and waits until it did. */
        public void ping(String host, int port, Duration timeout) {
            try {
                Writer w = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
                w.write("ping " + host + " " + port + "\n");
                w.flush();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            await("PINGED"::equals, timeout);
        }

        @Override
        public void close() {
            process.destroyForcibly();
            try {
                process.waitFor(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (Process p : processes) {
            p.destroyForcibly();
        }
        runQuietly("ip", "-n", name, "link", "del", tap);
        runQuietly("ip", "netns", "del", name);
    }

    private static void run(String... command) {
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new AssertionError(String.join(" ", command) + " did not finish in 30 s");
            }
            if (p.exitValue() != 0) {
                throw new AssertionError(String.join(" ", command) + " failed with exit " + p.exitValue() + ": "
                        + output);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run " + String.join(" ", command), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted running " + String.join(" ", command), e);
        }
    }

    private static void runQuietly(String... command) {
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            p.waitFor(30, TimeUnit.SECONDS);
        } catch (IOException e) {
            // best effort during cleanup
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    static boolean onPath(String tool) {
        String path = System.getenv("PATH");
        if (path == null) {
            return false;
        }
        for (String dir : path.split(java.io.File.pathSeparator)) {
            if (Files.isExecutable(Path.of(dir, tool))) {
                return true;
            }
        }
        return false;
    }
}
