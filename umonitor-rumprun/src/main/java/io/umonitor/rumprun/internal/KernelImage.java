package io.umonitor.rumprun.internal;

import io.umonitor.api.LaunchException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * What QEMU's {@code -kernel} loader will make of an image: a multiboot kernel (32-bit ELF, or any file
 * whose multiboot header carries the a.out-kludge addresses) or a Linux bzImage; anything else is
 * refused with the reason before QEMU starts.
 *
 * @param path the image
 * @param kind how QEMU loads it
 * @param detectedFlavour the flavour its contents reveal, if they do reliably
 */
public record KernelImage(Path path, Kind kind, Optional<Flavour> detectedFlavour) {

    public enum Kind { MULTIBOOT_ELF32, MULTIBOOT_AOUT_KLUDGE, LINUX_BZIMAGE }

    private static final int MULTIBOOT_MAGIC = 0x1BADB002;
    private static final int MULTIBOOT_SEARCH = 8192;
    private static final int AOUT_KLUDGE = 1 << 16;
    /** Detection reads at most this much; unikernel images are a few MiB. */
    private static final int SCAN_LIMIT = 128 << 20;
    /** The format string rumprun's libc prints when it calls main(). */
    private static final byte[] RUMPRUN_SIGNATURE = "=== calling \"".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] UNIKRAFT_SIGNATURE = "Unikraft".getBytes(StandardCharsets.US_ASCII);

    /** The flavour to run it as: the requested one, else the detected one, else multiboot. */
    public Flavour flavour(Optional<Flavour> requested) {
        return requested.or(() -> detectedFlavour).orElse(Flavour.MULTIBOOT);
    }

    /**
     * @throws LaunchException saying why the image is not bootable with {@code qemu -kernel} and what to do
     */
    public static KernelImage inspect(Path image) {
        if (!Files.isRegularFile(image) || !Files.isReadable(image)) {
            throw new LaunchException("unikernel image '" + image + "' is not a readable file: give the path of a "
                    + "kernel built for QEMU (a rumprun, Unikraft or other multiboot image)");
        }
        byte[] bytes;
        try (InputStream in = Files.newInputStream(image)) {
            bytes = in.readNBytes(SCAN_LIMIT);
        } catch (IOException e) {
            throw new LaunchException("unikernel image '" + image + "' cannot be read (" + e.getMessage()
                    + "): check its permissions", e);
        }
        Kind kind = kindOf(image, bytes);
        Flavour flavour = null;
        if (kind != Kind.LINUX_BZIMAGE) {
            if (indexOf(bytes, RUMPRUN_SIGNATURE) >= 0) {
                flavour = Flavour.RUMPRUN;
            } else if (indexOf(bytes, UNIKRAFT_SIGNATURE) >= 0) {
                flavour = Flavour.UNIKRAFT;
            }
        }
        return new KernelImage(image, kind, Optional.ofNullable(flavour));
    }

    private static Kind kindOf(Path image, byte[] b) {
        if (b.length >= 0x206 && b[0x202] == 'H' && b[0x203] == 'd' && b[0x204] == 'r' && b[0x205] == 'S') {
            return Kind.LINUX_BZIMAGE;
        }
        int header = multibootHeader(b);
        boolean elf = b.length >= 20 && b[0] == 0x7f && b[1] == 'E' && b[2] == 'L' && b[3] == 'F';
        if (header >= 0) {
            int flags = ByteBuffer.wrap(b, header + 4, 4).order(ByteOrder.LITTLE_ENDIAN).getInt();
            if ((flags & AOUT_KLUDGE) != 0) {
                return Kind.MULTIBOOT_AOUT_KLUDGE;
            }
            if (elf && b[4] == 1) {
                return Kind.MULTIBOOT_ELF32;
            }
            if (elf && b[4] == 2) {
                throw new LaunchException("unikernel image '" + image + "' is a 64-bit ELF whose multiboot header "
                        + "lacks the a.out-kludge addresses (flag bit 16): QEMU's -kernel loader refuses such "
                        + "images; link the kernel as 32-bit ELF (e.g. objcopy -O elf32-i386) or fill in the "
                        + "header's load addresses and set flag bit 16");
            }
            throw new LaunchException("unikernel image '" + image + "' has a multiboot header without the a.out-kludge "
                    + "addresses and is not an ELF file: QEMU cannot tell where to load it; link it as 32-bit ELF");
        }
        if (elf) {
            throw new LaunchException("unikernel image '" + image + "' is an ELF file (" + (b[4] == 2 ? "64" : "32")
                    + "-bit) without a multiboot header in its first " + MULTIBOOT_SEARCH + " bytes: QEMU's -kernel "
                    + "boots only multiboot and Linux kernels; build it as a multiboot kernel (rumprun's and "
                    + "Unikraft's QEMU targets are; a Solo5 image needs the solo5 backend)");
        }
        throw new LaunchException("unikernel image '" + image + "' is not bootable with QEMU's -kernel: it is "
                + "neither an ELF file nor a Linux bzImage and has no multiboot header (first bytes: "
                + hex(b, 8) + "); give a rumprun, Unikraft or other multiboot kernel");
    }

    /** The offset of a valid multiboot v1 header (magic plus checksum) in the first 8 KiB, or -1. */
    static int multibootHeader(byte[] b) {
        ByteBuffer buf = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
        int limit = Math.min(b.length, MULTIBOOT_SEARCH) - 12;
        for (int i = 0; i <= limit; i += 4) {
            if (buf.getInt(i) == MULTIBOOT_MAGIC && buf.getInt(i) + buf.getInt(i + 4) + buf.getInt(i + 8) == 0) {
                return i;
            }
        }
        return -1;
    }

    private static int indexOf(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i <= haystack.length - needle.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    private static String hex(byte[] b, int n) {
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < Math.min(n, b.length); i++) {
            s.append(String.format("%02x", b[i] & 0xff));
        }
        return s.length() == 0 ? "(empty file)" : s.toString();
    }
}
