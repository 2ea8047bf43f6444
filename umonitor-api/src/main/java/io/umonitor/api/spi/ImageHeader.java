package io.umonitor.api.spi;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Locale;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * What the first bytes and the ELF notes of an image say about it, read without running anything: enough
 * for each backend to {@linkplain io.umonitor.api.spi.UnikernelBackend#recognise recognise} its own kind
 * of image (a host program or script, a Solo5 unikernel, a multiboot or Linux kernel).
 *
 * <p>Every offset read from the file is checked against its size; a malformed file is simply "not ELF"
 * or has no notes, never an exception.
 *
 * @param elfClass 32 or 64 for an ELF file, 0 otherwise
 * @param elfMachine the ELF {@code e_machine} (62 = x86-64, 183 = AArch64, 3 = i386), 0 when not ELF
 * @param solo5AbiTarget the target of a Solo5 "ABI1" note (1 hvt, 2 spt, 3 virtio, 4 muen, 5 genode, 6 xen)
 * @param multiboot whether a valid multiboot v1 header lies in the first 8 KiB
 * @param linuxBzImage whether it carries the Linux boot protocol's "HdrS" signature
 * @param shebang the interpreter line of a script ({@code #!/bin/sh}), without the {@code #!}
 * @since 0.2
 */
public record ImageHeader(int elfClass, int elfMachine, OptionalInt solo5AbiTarget, boolean multiboot,
                          boolean linuxBzImage, Optional<String> shebang) {

    private static final int HEAD = 8192;
    private static final int MULTIBOOT_MAGIC = 0x1BADB002;
    private static final int PT_NOTE = 4;
    private static final int SOLO5_ABI_NOTE = 0x31494241; // "ABI1"
    private static final int MAX_NOTE_BYTES = 1 << 20;

    /** Reads the image's header; a file that cannot be read gives an empty header (nothing recognised). */
    public static ImageHeader read(Path image) {
        try (FileChannel file = FileChannel.open(image, StandardOpenOption.READ)) {
            ByteBuffer head = ByteBuffer.allocate((int) Math.min(HEAD, file.size())).order(ByteOrder.LITTLE_ENDIAN);
            while (head.hasRemaining() && file.read(head, head.position()) > 0) {
                // read fully
            }
            head.flip();
            byte[] b = new byte[head.remaining()];
            head.get(b);
            return parse(file, b);
        } catch (IOException | RuntimeException e) {
            return new ImageHeader(0, 0, OptionalInt.empty(), false, false, Optional.empty());
        }
    }

    public boolean isElf() {
        return elfClass != 0;
    }

    /** Whether the ELF machine is the one this JVM runs on (x86-64 or AArch64). */
    public boolean isForThisHost() {
        String arch = System.getProperty("os.arch", "").toLowerCase(Locale.ROOT);
        return switch (arch) {
            case "amd64", "x86_64" -> elfMachine == 62;
            case "aarch64", "arm64" -> elfMachine == 183;
            default -> false;
        };
    }

    /** The machine in words, for messages. */
    public String machineName() {
        return switch (elfMachine) {
            case 3 -> "i386";
            case 62 -> "x86_64";
            case 183 -> "aarch64";
            case 243 -> "riscv";
            default -> "machine " + elfMachine;
        };
    }

    private static ImageHeader parse(FileChannel file, byte[] b) throws IOException {
        Optional<String> shebang = Optional.empty();
        if (b.length > 2 && b[0] == '#' && b[1] == '!') {
            int end = 2;
            while (end < b.length && b[end] != '\n') {
                end++;
            }
            shebang = Optional.of(new String(b, 2, end - 2, StandardCharsets.UTF_8).trim());
        }
        boolean bz = b.length >= 0x206 && b[0x202] == 'H' && b[0x203] == 'd' && b[0x204] == 'r' && b[0x205] == 'S';
        boolean multiboot = false;
        ByteBuffer le = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i + 12 <= b.length; i += 4) {
            if (le.getInt(i) == MULTIBOOT_MAGIC && le.getInt(i) + le.getInt(i + 4) + le.getInt(i + 8) == 0) {
                multiboot = true;
                break;
            }
        }
        boolean elf = b.length >= 52 && b[0] == 0x7f && b[1] == 'E' && b[2] == 'L' && b[3] == 'F'
                && (b[4] == 1 || b[4] == 2) && (b[5] == 1 || b[5] == 2);
        if (!elf) {
            return new ImageHeader(0, 0, OptionalInt.empty(), multiboot, bz, shebang);
        }
        boolean is64 = b[4] == 2;
        ByteBuffer h = ByteBuffer.wrap(b).order(b[5] == 1 ? ByteOrder.LITTLE_ENDIAN : ByteOrder.BIG_ENDIAN);
        int machine = Short.toUnsignedInt(h.getShort(18));
        OptionalInt abi = solo5Abi(file, h, is64);
        return new ImageHeader(is64 ? 64 : 32, machine, abi, multiboot, bz, shebang);
    }

    /** Walks the PT_NOTE segments looking for Solo5's ABI note. */
    private static OptionalInt solo5Abi(FileChannel file, ByteBuffer h, boolean is64) throws IOException {
        long size = file.size();
        long phoff = is64 ? h.getLong(32) : Integer.toUnsignedLong(h.getInt(28));
        int phentsize = Short.toUnsignedInt(h.getShort(is64 ? 54 : 42));
        int phnum = Short.toUnsignedInt(h.getShort(is64 ? 56 : 44));
        if (phoff <= 0 || phentsize < (is64 ? 56 : 32) || phnum == 0 || phoff + (long) phentsize * phnum > size) {
            return OptionalInt.empty();
        }
        ByteBuffer ph = readAt(file, phoff, phentsize * phnum, h.order());
        for (int i = 0; i < phnum; i++) {
            int at = i * phentsize;
            if (ph.getInt(at) != PT_NOTE) {
                continue;
            }
            long offset = is64 ? ph.getLong(at + 8) : Integer.toUnsignedLong(ph.getInt(at + 4));
            long length = is64 ? ph.getLong(at + 32) : Integer.toUnsignedLong(ph.getInt(at + 16));
            if (offset < 0 || length <= 0 || length > MAX_NOTE_BYTES || offset + length > size) {
                continue;
            }
            ByteBuffer notes = readAt(file, offset, (int) length, h.order());
            int p = 0;
            while (p + 12 <= length) {
                int namesz = notes.getInt(p);
                int descsz = notes.getInt(p + 4);
                int type = notes.getInt(p + 8);
                if (namesz < 0 || descsz < 0 || namesz > length || descsz > length) {
                    break;
                }
                int name = p + 12;
                int desc = name + ((namesz + 3) & ~3);
                if ((long) desc + descsz > length) {
                    break;
                }
                byte[] owner = new byte[Math.max(0, namesz - 1)];
                notes.get(name, owner);
                if (type == SOLO5_ABI_NOTE && new String(owner, StandardCharsets.US_ASCII).equals("Solo5") && descsz >= 8) {
                    return OptionalInt.of(notes.getInt(desc)); // struct abi1_info: target, then version
                }
                p = desc + ((descsz + 3) & ~3);
            }
        }
        return OptionalInt.empty();
    }

    private static ByteBuffer readAt(FileChannel file, long position, int length, ByteOrder order) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate(length).order(order);
        while (buf.hasRemaining()) {
            if (file.read(buf, position + buf.position()) < 0) {
                break;
            }
        }
        return buf.flip().order(order);
    }
}
