package io.umonitor.rumprun.internal;

import io.umonitor.api.BlockDeviceSpec;
import io.umonitor.kit.host.NetworkNamespace;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;

/**
 * Builds the {@code qemu-system-x86_64} command line for one launch. Pure: no I/O, so every choice is
 * unit-testable.
 *
 * <p>Fixed choices and why: {@code -nodefaults} so QEMU adds no NIC, serial port or monitor of its own;
 * {@code -display none -vga none} because rumprun writes its console to VGA when a video device exists;
 * {@code -serial stdio} so the serial console arrives on QEMU's stdout, where the monitor reads it line
 * by line, and QEMU's own messages stay on stderr; {@code -no-reboot} so a guest reset (a triple fault)
 * ends QEMU instead of looping; {@code -S} so the CPU waits until the backend is connected to QMP (a
 * guest can finish in 60 ms, and QMP's SHUTDOWN event is how a reset is told from a power-off), after
 * which the backend continues it unless a debugger is to do so ({@code qemu.gdbWait}).
 */
public final class QemuCommandLine {

    public static final int DEFAULT_MEMORY_MB = 128;

    private final List<String> args = new ArrayList<>();

    private QemuCommandLine() {
    }

    /**
     * @param binary the qemu-system-x86_64 executable
     * @param accel kvm or tcg (auto is resolved before this)
     * @param qmpSocket the QMP unix socket to create
     * @param debugExitPort the isa-debug-exit port, if the guest gets the device
     * @param tokenFile the file holding the log token, handed to the guest as fw_cfg file
     *     {@value GuestTokenFile#FW_CFG_NAME} (QEMU reads it at start-up), or null for none
     */
    public static List<String> build(String binary, Accel accel, QemuOptions options, int memoryMb, int cpus,
            Path kernel, String append, NetworkPlan plan, List<BlockDeviceSpec> blocks, Path qmpSocket,
            OptionalInt debugExitPort, Path tokenFile) {
        if (accel == Accel.AUTO) {
            throw new IllegalArgumentException("resolve auto acceleration before building the command line");
        }
        QemuCommandLine c = new QemuCommandLine();
        c.add(binary);
        c.add("-nodefaults", "-no-user-config");
        c.add("-machine", options.machine());
        c.add("-accel", accel.qemuName());
        if (options.cpu() != null) {
            c.add("-cpu", options.cpu());
        }
        c.add("-m", Integer.toString(memoryMb > 0 ? memoryMb : DEFAULT_MEMORY_MB));
        c.add("-smp", Integer.toString(cpus > 0 ? cpus : 1));
        c.add("-display", "none", "-vga", "none");
        c.add("-no-reboot", "-S");
        c.add("-serial", "stdio");
        c.add("-qmp", "unix:" + opt(qmpSocket.toString()) + ",server=on,wait=off");
        c.add("-kernel", kernel.toString());
        options.initrdPath().ifPresent(p -> c.add("-initrd", p.toString()));
        if (!append.isEmpty()) {
            c.add("-append", append);
        }
        if (tokenFile != null) {
            c.add("-fw_cfg", "name=" + GuestTokenFile.FW_CFG_NAME + ",file=" + opt(tokenFile.toString()));
        }
        for (GuestNic nic : plan.nics()) {
            if (nic.isUserMode()) {
                c.add("-netdev", "user,id=" + nic.netdevId() + ",net=" + nic.userSubnet());
            } else {
                c.add("-netdev", "tap,id=" + nic.netdevId() + ",ifname=" + opt(nic.hostInterface())
                        + ",script=no,downscript=no");
            }
            c.add("-device", "virtio-net-pci,netdev=" + nic.netdevId() + ",mac=" + nic.mac());
        }
        for (int i = 0; i < blocks.size(); i++) {
            BlockDeviceSpec b = blocks.get(i);
            c.add("-drive", "id=blk" + i + ",if=none,format=raw,file=" + opt(b.path().toString())
                    + (b.readOnly() ? ",readonly=on" : ""));
            c.add("-device", "virtio-blk-pci,drive=blk" + i);
        }
        debugExitPort.ifPresent(port -> c.add("-device", "isa-debug-exit,iobase=0x" + Integer.toHexString(port)
                + ",iosize=0x04"));
        if (options.gdbPort() > 0) {
            c.add("-gdb", "tcp:127.0.0.1:" + options.gdbPort());
        }
        return NetworkNamespace.wrap(plan.namespace(), c.args);
    }

    /** Escapes a value inside a QEMU option list, where a comma is written as two. */
    static String opt(String value) {
        return value.replace(",", ",,");
    }

    private void add(String... values) {
        args.addAll(List.of(values));
    }
}
