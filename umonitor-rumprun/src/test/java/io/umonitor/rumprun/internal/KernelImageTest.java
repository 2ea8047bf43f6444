package io.umonitor.rumprun.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.umonitor.api.LaunchException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KernelImageTest {

    @TempDir
    Path dir;

    /** An ELF header of the given class with a multiboot header (flags as given) at offset 0x1000. */
    private static byte[] elf(int elfClass, Integer multibootFlags, String extra) {
        ByteBuffer b = ByteBuffer.allocate(0x2000 + extra.length()).order(ByteOrder.LITTLE_ENDIAN);
        b.put(new byte[] {0x7f, 'E', 'L', 'F', (byte) elfClass, 1, 1});
        if (multibootFlags != null) {
            b.putInt(0x1000, 0x1BADB002).putInt(0x1004, multibootFlags).putInt(0x1008, -(0x1BADB002 + multibootFlags));
        }
        b.position(0x2000);
        b.put(extra.getBytes(StandardCharsets.US_ASCII));
        return b.array();
    }

    private Path file(String name, byte[] content) throws Exception {
        return Files.write(dir.resolve(name), content);
    }

    @Test
    void elf32MultibootIsBootableAndMultibootByDefault() throws Exception {
        KernelImage image = KernelImage.inspect(file("k", elf(1, 3, "")));
        assertEquals(KernelImage.Kind.MULTIBOOT_ELF32, image.kind());
        assertEquals(Optional.empty(), image.detectedFlavour());
        assertEquals(Flavour.MULTIBOOT, image.flavour(Optional.empty()));
        assertEquals(Flavour.UNIKRAFT, image.flavour(Optional.of(Flavour.UNIKRAFT)));
    }

    @Test
    void rumprunAndUnikraftAreRecognisedByTheirOwnStrings() throws Exception {
        assertEquals(Optional.of(Flavour.RUMPRUN),
                KernelImage.inspect(file("r", elf(1, 3, "=== calling \"%s\" main() ==="))).detectedFlavour());
        assertEquals(Optional.of(Flavour.UNIKRAFT),
                KernelImage.inspect(file("u", elf(2, 3 | 1 << 16, "Powered by Unikraft"))).detectedFlavour());
    }

    @Test
    void elf64WithTheAoutKludgeIsBootable() throws Exception {
        assertEquals(KernelImage.Kind.MULTIBOOT_AOUT_KLUDGE, KernelImage.inspect(file("k", elf(2, 1 << 16, ""))).kind());
    }

    @Test
    void elf64WithoutTheKludgeIsRefusedWithTheFix() throws Exception {
        LaunchException e = assertThrows(LaunchException.class, () -> KernelImage.inspect(file("k64", elf(2, 3, ""))));
        assertTrue(e.getMessage().contains("64-bit ELF") && e.getMessage().contains("a.out-kludge")
                && e.getMessage().contains("k64"), e.getMessage());
    }

    @Test
    void elfWithoutMultibootHeaderIsRefused() throws Exception {
        LaunchException e = assertThrows(LaunchException.class, () -> KernelImage.inspect(file("plain", elf(2, null, ""))));
        assertTrue(e.getMessage().contains("without a multiboot header"), e.getMessage());
    }

    @Test
    void aNonElfIsRefusedShowingItsFirstBytes() throws Exception {
        LaunchException e = assertThrows(LaunchException.class,
                () -> KernelImage.inspect(file("script.sh", "#!/bin/sh\necho hi\n".getBytes(StandardCharsets.US_ASCII))));
        assertTrue(e.getMessage().contains("not an ELF") || e.getMessage().contains("neither an ELF"), e.getMessage());
        assertTrue(e.getMessage().contains("23212f62696e2f73"), e.getMessage());
    }

    @Test
    void aMissingImageIsNamed() {
        LaunchException e = assertThrows(LaunchException.class, () -> KernelImage.inspect(dir.resolve("nope")));
        assertTrue(e.getMessage().contains("nope") && e.getMessage().contains("not a readable file"), e.getMessage());
    }

    @Test
    void aLinuxBzImageIsBootable() throws Exception {
        byte[] b = new byte[0x400];
        b[0x202] = 'H';
        b[0x203] = 'd';
        b[0x204] = 'r';
        b[0x205] = 'S';
        assertEquals(KernelImage.Kind.LINUX_BZIMAGE, KernelImage.inspect(file("vmlinuz", b)).kind());
    }
}
