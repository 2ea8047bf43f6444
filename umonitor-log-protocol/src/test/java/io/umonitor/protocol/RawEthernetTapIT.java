package io.umonitor.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.umonitor.api.Attribute;
import io.umonitor.protocol.testing.UdpReceiverMain;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
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
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The Solo5 UDP transport's frames (umonitor_net.c: Ethernet, ARP, IPv4 with header checksum, UDP)
 * through a real Linux tap device: the test creates a network namespace with a tap at 10.77.0.1, a
 * Java UDP receiver bound to that address inside it, and a C program that attaches to the tap as a
 * Solo5 tender would and sends records as hand-built frames from 10.77.0.2. The Linux kernel
 * parses and checks every frame; the records must all arrive. Then the kernel must resolve
 * 10.77.0.2 by ARP (its neighbour entry is flushed first) to deliver a datagram back: that proves
 * the program answers ARP. The namespace is always deleted.
 */
class RawEthernetTapIT {
    static final Path CLIENT_DIR = Path.of("clients", "c").toAbsolutePath();
    static final Path SENDER = CLIENT_DIR.resolve("build/net_tap_sender");
    static final String HOST_IP = "10.77.0.1";
    static final String GUEST_IP = "10.77.0.2";
    static final int COUNT = 40;
    static final Duration TIMEOUT = Duration.ofSeconds(30);

    @BeforeAll
    static void preconditions() throws Exception {
        assumeTrue("root".equals(System.getProperty("user.name")) && Files.exists(Path.of("/dev/net/tun"))
                        && CClientLoopbackIT.onPath("ip"),
                "needs root, /dev/net/tun and ip (iproute2) to create a network namespace with a tap device");
        assumeTrue(CClientLoopbackIT.onPath("make") && (CClientLoopbackIT.onPath("cc") || CClientLoopbackIT.onPath("gcc")),
                "needs make and a C compiler to build clients/c: apt-get install make gcc libc6-dev");
        Process make = new ProcessBuilder("make", "-C", CLIENT_DIR.toString(), "programs").redirectErrorStream(true)
                .start();
        String output = new String(make.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(make.waitFor(120, TimeUnit.SECONDS), "make programs did not finish in 120 s");
        assertEquals(0, make.exitValue(), "make programs failed:\n" + output);
    }

    @Test
    void handBuiltFramesReachAJavaReceiverThroughATapAndArpIsAnswered() throws Exception {
        String suffix = HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt()).substring(2);
        String ns = "umt-cclient-" + suffix;
        String tap = "umtc" + suffix;
        Process receiver = null;
        Process sender = null;
        run("ip", "netns", "add", ns);
        try {
            run("ip", "-n", ns, "link", "set", "lo", "up");
            run("ip", "-n", ns, "tuntap", "add", "dev", tap, "mode", "tap");
            run("ip", "-n", ns, "addr", "add", HOST_IP + "/24", "dev", tap);
            run("ip", "-n", ns, "link", "set", tap, "up");

            String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
            receiver = new ProcessBuilder("ip", "netns", "exec", ns, java, "-cp", System.getProperty("java.class.path"),
                    UdpReceiverMain.class.getName(), HOST_IP).redirectError(ProcessBuilder.Redirect.INHERIT).start();
            BlockingQueue<String> lines = readLines(receiver);
            String listening = await(lines, l -> l.startsWith("LISTENING "), new ArrayList<>());
            String port = listening.substring("LISTENING ".length());

            sender = new ProcessBuilder("ip", "netns", "exec", ns, SENDER.toString(), tap, GUEST_IP, HOST_IP, port,
                    Integer.toString(COUNT)).redirectErrorStream(true).start();
            List<String> received = new ArrayList<>();
            String goodbye = await(lines, l -> l.startsWith("GOODBYE "), received);
            assertEquals("GOODBYE " + COUNT + " 0 done", goodbye);

            List<String> expected = new ArrayList<>();
            for (int i = 0; i < COUNT; i++) {
                expected.add("RECORD " + i + "\tINFO\traw frame record " + i + " ü\t"
                        + List.of(Attribute.of("i", i), Attribute.of("via", "tap")));
            }
            List<String> records = received.stream().filter(l -> l.startsWith("RECORD ")).toList();
            assertEquals(expected, records, "every record, intact and in order");
            assertTrue(received.stream().noneMatch(l -> l.startsWith("ERROR")), "decode errors: " + received);

            // Make the kernel ask who 10.77.0.2 is, then deliver a datagram to it.
            run("ip", "-n", ns, "neigh", "flush", "dev", tap);
            Writer toReceiver = new OutputStreamWriter(receiver.getOutputStream(), StandardCharsets.UTF_8);
            toReceiver.write("ping " + GUEST_IP + " 9\n");
            toReceiver.flush();
            await(lines, l -> l.equals("PINGED"), new ArrayList<>());

            assertTrue(sender.waitFor(TIMEOUT.toSeconds(), TimeUnit.SECONDS), "net_tap_sender hangs");
            String report = new String(sender.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertEquals(0, sender.exitValue(), "net_tap_sender failed:\n" + report);
            assertTrue(report.contains("udp received 1"), "the datagram back needs our ARP reply:\n" + report);
            assertTrue(!report.contains("arp replies 0"), "the kernel's ARP request was answered:\n" + report);
        } finally {
            if (sender != null) {
                sender.destroyForcibly();
            }
            if (receiver != null) {
                receiver.destroyForcibly();
                receiver.waitFor(10, TimeUnit.SECONDS);
            }
            runQuietly("ip", "-n", ns, "link", "del", tap);
            runQuietly("ip", "netns", "del", ns);
        }
        Process list = new ProcessBuilder("ip", "netns", "list").start();
        String namespaces = new String(list.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        list.waitFor(10, TimeUnit.SECONDS);
        assertTrue(!namespaces.contains(ns), "namespace " + ns + " was not deleted");
    }

    private static BlockingQueue<String> readLines(Process p) {
        BlockingQueue<String> lines = new LinkedBlockingQueue<>();
        Thread t = new Thread(() -> {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = in.readLine()) != null) {
                    lines.add(line);
                }
            } catch (IOException e) {
                // the process was destroyed
            }
        }, "receiver-output");
        t.setDaemon(true);
        t.start();
        return lines;
    }

    /** Takes lines (keeping them in seen) until one matches, within TIMEOUT. */
    private static String await(BlockingQueue<String> lines, Predicate<String> match, List<String> seen)
            throws InterruptedException {
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        while (true) {
            String line = lines.poll(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            if (line == null) {
                throw new AssertionError("receiver printed no matching line within " + TIMEOUT + "; lines: " + seen);
            }
            seen.add(line);
            if (match.test(line)) {
                return line;
            }
        }
    }

    private static void run(String... command) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(30, TimeUnit.SECONDS), String.join(" ", command) + " hangs");
        assertEquals(0, p.exitValue(), String.join(" ", command) + " failed: " + output);
    }

    private static void runQuietly(String... command) {
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            p.waitFor(30, TimeUnit.SECONDS);
        } catch (IOException e) {
            // best effort: the namespace deletion below removes what remains
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
