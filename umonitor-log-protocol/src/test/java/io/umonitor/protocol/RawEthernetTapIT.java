package io.umonitor.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.umonitor.api.Attribute;
import io.umonitor.protocol.testing.TapNamespace;
import io.umonitor.testkit.CClientGuests;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
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
    static final String GUEST_IP = "10.77.0.2";
    static final int COUNT = 40;
    static final Duration TIMEOUT = Duration.ofSeconds(30);

    @BeforeAll
    static void preconditions() throws Exception {
        assumeTrue(TapNamespace.available(), TapNamespace.REQUIREMENT);
        CClientGuests.makePrograms();
    }

    @Test
    void handBuiltFramesReachAJavaReceiverThroughATapAndArpIsAnswered() throws Exception {
        String namespace;
        try (TapNamespace ns = TapNamespace.create("cclient", "10.77.0.1/24");
             TapNamespace.Receiver rx = ns.startUdpReceiver()) {
            namespace = ns.name();
            Process sender = ns.exec(SENDER.toString(), ns.tap(), GUEST_IP, ns.hostAddress(),
                    Integer.toString(rx.port()), Integer.toString(COUNT)).redirectErrorStream(true).start();
            try {
                assertEquals("GOODBYE " + COUNT + " 0 done", rx.await(l -> l.startsWith("GOODBYE "), TIMEOUT));
                List<String> expected = new ArrayList<>();
                for (int i = 0; i < COUNT; i++) {
                    expected.add("RECORD " + i + "\tINFO\traw frame record " + i + " ü\t"
                            + List.of(Attribute.of("i", i), Attribute.of("via", "tap")));
                }
                List<String> received = rx.seen();
                assertEquals(expected, received.stream().filter(l -> l.startsWith("RECORD ")).toList(),
                        "every record, intact and in order");
                assertTrue(received.stream().noneMatch(l -> l.startsWith("ERROR")), "decode errors: " + received);

                // Make the kernel ask who 10.77.0.2 is, then deliver a datagram to it.
                ns.ip("neigh", "flush", "dev", ns.tap());
                rx.ping(GUEST_IP, 9, TIMEOUT);

                assertTrue(sender.waitFor(TIMEOUT.toSeconds(), TimeUnit.SECONDS), "net_tap_sender hangs");
                String report = new String(sender.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                assertEquals(0, sender.exitValue(), "net_tap_sender failed:\n" + report);
                assertTrue(report.contains("udp received 1"), "the datagram back needs our ARP reply:\n" + report);
                assertTrue(!report.contains("arp replies 0"), "the kernel's ARP request was answered:\n" + report);
            } finally {
                sender.destroyForcibly();
            }
        }
        Process list = new ProcessBuilder("ip", "netns", "list").start();
        String namespaces = new String(list.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        list.waitFor(10, TimeUnit.SECONDS);
        assertTrue(!namespaces.contains(namespace), "namespace " + namespace + " was not deleted");
    }
}
