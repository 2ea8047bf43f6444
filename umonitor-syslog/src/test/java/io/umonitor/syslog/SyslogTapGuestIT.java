package io.umonitor.syslog;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.umonitor.api.AttributeValue;
import io.umonitor.api.LogFilter;
import io.umonitor.api.LogLevel;
import io.umonitor.api.LogOrigin;
import io.umonitor.api.LogRecord;
import io.umonitor.api.NetworkSpec;
import io.umonitor.api.UnikernelHandle;
import io.umonitor.api.UnikernelSpec;
import io.umonitor.core.Monitor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Attribution by source address: guests on taps umonitor provisioned (real taps, real kernel routing) send
 * syslog without any token; each message belongs to the guest whose tap address it came from, whatever
 * name it claims, and a guest forging another guest's address is not believed.
 *
 * <p>The guest is a process attached to its tap like a tender (python3 writing raw frames, see
 * {@link TapScriptBackend}); the tap stays in the monitor's network namespace because the receiver, like the
 * binary collectors, listens on the tap's host address in its own namespace.
 */
class SyslogTapGuestIT {
    private static final Pattern ADDRESSES = Pattern.compile("HOST (\\S+) GUEST (\\S+)");
    private static final String GUEST = String.join("\n",
            "import fcntl, os, socket, struct, sys, time",
            "name, host, guest, guest_mac, syslog = sys.argv[1:6]",
            "print('HOST', host, 'GUEST', guest, flush=True)",
            "tap = os.open('/dev/net/tun', os.O_RDWR)",
            "fcntl.ioctl(tap, 0x400454ca, struct.pack('16sH', name.encode(), 0x0002 | 0x1000))",
            "host_mac = bytes.fromhex(open('/sys/class/net/%s/address' % name).read().strip().replace(':', ''))",
            "mac = bytes.fromhex(guest_mac.replace(':', ''))",
            "port = int(syslog.rsplit(':', 1)[1]) if syslog else 0",
            "def checksum(b):",
            "    s = sum(struct.unpack('!%dH' % (len(b) // 2), b))",
            "    while s >> 16: s = (s & 0xffff) + (s >> 16)",
            "    return (~s) & 0xffff",
            "for spec in sys.argv[6:]:",
            "    if spec.startswith('wait='):",
            "        time.sleep(float(spec[5:])); continue",
            "    src, dst, text = spec.split('|', 2)",
            "    src = guest if src == 'guest' else src",
            "    dst = host if dst == 'host' else dst",
            "    payload = text.encode()",
            "    udp = struct.pack('!HHHH', 40000, port, 8 + len(payload), 0) + payload",
            "    ip = struct.pack('!BBHHHBBH4s4s', 0x45, 0, 20 + len(udp), 1, 0x4000, 64, 17, 0,",
            "                     socket.inet_aton(src), socket.inet_aton(dst))",
            "    ip = ip[:10] + struct.pack('!H', checksum(ip)) + ip[12:]",
            "    os.write(tap, host_mac + mac + b'\\x08\\x00' + ip + udp)",
            "    print('SENT from', src, 'to', dst, flush=True)",
            "time.sleep(0.5)");

    @TempDir
    Path dir;

    @BeforeEach
    void requirements() {
        Assumptions.assumeTrue("root".equals(System.getProperty("user.name")),
                "taps need root (or CAP_NET_ADMIN): run the tests as root");
        Assumptions.assumeTrue(Files.exists(Path.of("/dev/net/tun")), "/dev/net/tun is missing: modprobe tun");
        Assumptions.assumeTrue(ExternalTools.exists("python3") && ExternalTools.exists("ip"),
                "python3 plays the guest on its tap and iproute2 makes taps: apt-get install python3 iproute2");
    }

    @Test
    void aGuestOnATapIsAttributedByItsSourceAddressAndCannotSpeakForAnotherGuest() throws Exception {
        Path script = dir.resolve("guest.py");
        Files.writeString(script, GUEST);
        try (Monitor monitor = Monitor.builder().backend(new TapScriptBackend()).stateDirectory(dir.resolve("state"))
                .workDirectory(dir.resolve("work")).closeOnJvmExit(false)
                .property("syslog.udpAddress", "127.0.0.1:0").property("syslog.tcpAddress", "127.0.0.1:0").build()) {
            UnikernelHandle victim = monitor.launch(UnikernelSpec.builder("syslog-victim", script).backend("tap-script")
                    .network(NetworkSpec.tap("net0")).arguments(List.of("wait=20")).build());
            Matcher victimAddresses = awaitAddresses(monitor, "syslog-victim");
            String victimHost = victimAddresses.group(1);
            String victimGuest = victimAddresses.group(2);

            UnikernelHandle sender = monitor.launch(UnikernelSpec.builder("syslog-sender", script).backend("tap-script")
                    .network(NetworkSpec.tap("net0")).arguments(List.of(
                            "guest|host|<14>1 2026-12-03T10:15:30.5+01:00 claims-to-be syslog-victim - ID7 "
                                    + "[req@32473 ms=\"812\"] from the sender température ✓",
                            victimGuest + "|host|<11>1 - syslog-victim syslog-victim - - - forged to the sender's host",
                            victimGuest + "|" + victimHost + "|<11>1 - syslog-victim syslog-victim - - - forged to the "
                                    + "victim's host",
                            "guest|host|<14>Dec  3 10:15:31 sender app[12]: an RFC 3164 line"))
                    .build());
            assertEquals(0, sender.termination().get().exitCode(), String.join("\n", sender.termination().get()
                    .lastConsoleLines()));
            Rsyslog.await("the sender's 2 syslog records", Duration.ofSeconds(10),
                    () -> syslog(monitor, "syslog-sender").size() == 2, () -> monitor.logs("syslog-sender",
                            LogFilter.ALL).toString());

            List<LogRecord> sent = syslog(monitor, "syslog-sender");
            assertEquals("from the sender température ✓", sent.get(0).message());
            assertEquals(LogLevel.INFO, sent.get(0).level());
            assertEquals(new AttributeValue.Int(812), sent.get(0).attribute("req@32473.ms").orElseThrow());
            assertEquals(new AttributeValue.Str("2026-12-03T10:15:30.5+01:00"),
                    sent.get(0).attribute("syslog.timestamp").orElseThrow());
            assertEquals("an RFC 3164 line", sent.get(1).message());
            assertTrue(sent.get(0).launch().isKnown() && sent.get(0).launch().restart() == 0,
                    "a launched guest's syslog records carry its run: " + sent.get(0).launch());
            assertEquals(List.of(), syslog(monitor, "syslog-victim"), "nothing forged reached the victim's log");
            victim.stop(Duration.ofSeconds(2));
        }
    }

    private static List<LogRecord> syslog(Monitor monitor, String name) {
        return monitor.logs(name, LogFilter.ALL).stream().filter(r -> r.origin() == LogOrigin.SYSLOG).toList();
    }

    private static Matcher awaitAddresses(Monitor monitor, String name) throws InterruptedException {
        Matcher[] found = new Matcher[1];
        Rsyslog.await(name + "'s addresses on its console", Duration.ofSeconds(10), () -> {
            Optional<Matcher> m = monitor.logs(name, LogFilter.ALL).stream().map(r -> ADDRESSES.matcher(r.message()))
                    .filter(Matcher::find).findFirst();
            m.ifPresent(x -> found[0] = x);
            return m.isPresent();
        }, () -> monitor.logs(name, LogFilter.ALL).toString());
        return found[0];
    }
}
