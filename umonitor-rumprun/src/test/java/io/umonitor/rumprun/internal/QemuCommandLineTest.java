package io.umonitor.rumprun.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.umonitor.api.BlockDeviceSpec;
import io.umonitor.api.ConfigurationException;
import io.umonitor.api.NetworkSpec;
import io.umonitor.api.UnikernelSpec;
import java.nio.file.Path;
import java.util.Collections;
import java.util.List;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;

class QemuCommandLineTest {

    private static List<String> build(UnikernelSpec spec, NetworkPlan plan, Accel accel, OptionalInt debugExit) {
        QemuOptions options = QemuOptions.from(spec, Accel.AUTO);
        return QemuCommandLine.build("/usr/bin/qemu-system-x86_64", accel, options, spec.memoryMb(), spec.cpus(),
                spec.image(), "json here", plan, spec.blockDevices(), Path.of("/run/u/qmp.sock"), debugExit,
                Path.of("/run/u,1/token-9/token"));
    }

    /** The value after {@code flag}, asserting it occurs once. */
    private static String after(List<String> args, String flag) {
        assertEquals(1, Collections.frequency(args, flag), flag + " once in " + args);
        return args.get(args.indexOf(flag) + 1);
    }

    @Test
    void userNetworkedGuestHasTheFixedChoicesAndAVirtioNicWithItsMac() {
        UnikernelSpec spec = UnikernelSpec.builder("web", Path.of("/img/web.bin")).memoryMb(64).cpus(2)
                .network(new NetworkSpec("net0", NetworkSpec.Mode.USER, "52:54:00:01:02:03")).build();
        NetworkPlan plan = NetworkPlan.of(TestRequests.request(spec, List.of(), TestRequests.loopbackCollectors()));
        List<String> args = build(spec, plan, Accel.TCG, OptionalInt.empty());

        assertEquals("/usr/bin/qemu-system-x86_64", args.get(0));
        assertTrue(args.containsAll(List.of("-nodefaults", "-no-reboot", "-S")), args.toString());
        assertEquals("none", after(args, "-display"));
        assertEquals("none", after(args, "-vga"));
        assertEquals("stdio", after(args, "-serial"));
        assertEquals("tcg", after(args, "-accel"));
        assertEquals("64", after(args, "-m"));
        assertEquals("2", after(args, "-smp"));
        assertEquals("/img/web.bin", after(args, "-kernel"));
        assertEquals("json here", after(args, "-append"));
        assertEquals("name=opt/io.umonitor/token,file=/run/u,,1/token-9/token", after(args, "-fw_cfg"),
                "the token travels in a file QEMU reads, its path comma-doubled as in every QEMU option list");
        assertEquals("unix:/run/u/qmp.sock,server=on,wait=off", after(args, "-qmp"));
        assertEquals("user,id=net0,net=10.0.2.0/24", after(args, "-netdev"));
        assertEquals("virtio-net-pci,netdev=net0,mac=52:54:00:01:02:03", after(args, "-device"));
        assertFalse(args.contains("-gdb") || args.contains("-initrd"));
    }

    @Test
    void tapInANamespaceRunsQemuThereWithTheProvisionedTapAndMac() {
        UnikernelSpec spec = UnikernelSpec.builder("svc", Path.of("/img/svc")).network(NetworkSpec.tap("service0"))
                .build();
        NetworkPlan plan = NetworkPlan.of(TestRequests.request(spec,
                List.of(TestRequests.tap("service0", "umtap3", "umt-ns")), List.of()));
        List<String> args = build(spec, plan, Accel.KVM, OptionalInt.empty());

        assertEquals(List.of("ip", "netns", "exec", "umt-ns", "/usr/bin/qemu-system-x86_64"), args.subList(0, 5));
        assertEquals("tap,id=net0,ifname=umtap3,script=no,downscript=no", after(args, "-netdev"));
        assertEquals("virtio-net-pci,netdev=net0,mac=52:54:00:aa:bb:cc", after(args, "-device"));
        assertEquals("kvm", after(args, "-accel"));
        assertEquals(QemuCommandLine.DEFAULT_MEMORY_MB + "", after(args, "-m"));
    }

    @Test
    void blockDevicesDebugExitGdbAndInitrd() {
        Path initrd = Path.of(System.getProperty("java.home"), "release");
        UnikernelSpec spec = UnikernelSpec.builder("db", Path.of("/img/db"))
                .blockDevice(new BlockDeviceSpec("data", Path.of("/srv/a,b.img"), true))
                .option("qemu.gdb", "1234").option("qemu.gdbWait", "true").option("qemu.initrd", initrd.toString())
                .build();
        NetworkPlan plan = NetworkPlan.of(TestRequests.request(spec, List.of(), List.of()));
        List<String> args = build(spec, plan, Accel.TCG, OptionalInt.of(0xf4));

        assertEquals("id=blk0,if=none,format=raw,file=/srv/a,,b.img,readonly=on", after(args, "-drive"),
                "commas in option values are doubled");
        assertTrue(args.contains("virtio-blk-pci,drive=blk0"), args.toString());
        assertTrue(args.contains("isa-debug-exit,iobase=0xf4,iosize=0x04"), args.toString());
        assertEquals("tcp:127.0.0.1:1234", after(args, "-gdb"));
        assertEquals(initrd.toString(), after(args, "-initrd"));
    }

    @Test
    void autoIsResolvedBeforeBuilding() {
        UnikernelSpec spec = UnikernelSpec.builder("a", Path.of("/img/a")).build();
        NetworkPlan plan = NetworkPlan.of(TestRequests.request(spec, List.of(), List.of()));
        assertThrows(IllegalArgumentException.class, () -> build(spec, plan, Accel.AUTO, OptionalInt.empty()));
    }

    @Test
    void tapsInTwoNamespacesAreRefused() {
        UnikernelSpec spec = UnikernelSpec.builder("two", Path.of("/img/two")).network(NetworkSpec.tap("a"))
                .network(NetworkSpec.tap("b")).build();
        ConfigurationException e = assertThrows(ConfigurationException.class, () -> NetworkPlan.of(
                TestRequests.request(spec, List.of(TestRequests.tap("a", "t1", "ns1"), TestRequests.tap("b", "t2", "ns2")),
                        List.of())));
        assertTrue(e.getMessage().contains("[ns1, ns2]"), e.getMessage());
    }

    @Test
    void aTapWithoutProvisionedHostSideIsAConfigurationError() {
        UnikernelSpec spec = UnikernelSpec.builder("t", Path.of("/img/t")).network(NetworkSpec.tap("service0")).build();
        ConfigurationException e = assertThrows(ConfigurationException.class,
                () -> NetworkPlan.of(TestRequests.request(spec, List.of(), List.of())));
        assertTrue(e.getMessage().contains("'service0'") && e.getMessage().contains("NetworkProvisioner"), e.getMessage());
    }

    @Test
    void userNicsWithoutMacGetAStableOne() {
        assertEquals(NetworkPlan.stableMac("a", "net0"), NetworkPlan.stableMac("a", "net0"));
        assertTrue(NetworkPlan.stableMac("a", "net0").matches("52:54:00(:[0-9a-f]{2}){3}"));
    }
}
