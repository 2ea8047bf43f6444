package io.umonitor.api.spi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImageHeaderTest {

    /** A minimal ELF64 file whose one PT_NOTE segment holds Solo5's ABI1 note for {@code target}. */
    static byte[] solo5Elf(int target) {
        ByteBuffer b = ByteBuffer.allocate(256).order(ByteOrder.LITTLE_ENDIAN);
        b.put(new byte[] {0x7f, 'E', 'L', 'F', 2, 1, 1});
        b.putShort(16, (short) 2).putShort(18, (short) 62);
        b.putLong(32, 64); // e_phoff
        b.putShort(54, (short) 56).putShort(56, (short) 1);
        b.putInt(64, 4); // PT_NOTE
        b.putLong(64 + 8, 128).putLong(64 + 32, 12 + 8 + 16);
        b.putInt(128, 6).putInt(132, 16).putInt(136, 0x31494241);
        b.put(140, "Solo5\0\0\0".getBytes());
        b.putInt(148, target).putInt(152, 2);
        return b.array();
    }

    @Test
    void aSolo5ImageShowsItsAbiTarget(@TempDir Path dir) throws Exception {
        Path spt = Files.write(dir.resolve("hello.spt"), solo5Elf(2));
        ImageHeader h = ImageHeader.read(spt);
        assertEquals(OptionalInt.of(2), h.solo5AbiTarget());
        assertEquals(64, h.elfClass());
        assertEquals("x86_64", h.machineName());
    }

    @Test
    void aHostProgramIsElfForThisMachineWithoutSolo5NoteOrMultiboot() {
        ImageHeader h = ImageHeader.read(Path.of("/bin/true"));
        assertTrue(h.isElf());
        assertTrue(h.isForThisHost(), h.toString());
        assertTrue(h.solo5AbiTarget().isEmpty());
        assertFalse(h.multiboot());
    }

    @Test
    void aScriptShowsItsInterpreter(@TempDir Path dir) throws Exception {
        Path s = Files.writeString(dir.resolve("s"), "#!/usr/bin/env python3\nprint(1)\n");
        assertEquals("/usr/bin/env python3", ImageHeader.read(s).shebang().orElseThrow());
    }

    @Test
    void aMultibootHeaderIsFoundInTheFirst8KiB(@TempDir Path dir) throws Exception {
        ByteBuffer b = ByteBuffer.allocate(4096).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(1024, 0x1BADB002).putInt(1028, 0x00010003).putInt(1032, -(0x1BADB002 + 0x00010003));
        ImageHeader h = ImageHeader.read(Files.write(dir.resolve("k"), b.array()));
        assertTrue(h.multiboot());
        assertFalse(h.isElf());
        b.putInt(1032, 0); // a wrong checksum is no header
        assertFalse(ImageHeader.read(Files.write(dir.resolve("k2"), b.array())).multiboot());
    }

    @Test
    void malformedFilesAreNothingNotAnException(@TempDir Path dir) throws Exception {
        byte[] elf = solo5Elf(2);
        elf[32] = (byte) 0xff; // program headers far outside the file
        elf[39] = 0x7f;
        ImageHeader h = ImageHeader.read(Files.write(dir.resolve("bad"), elf));
        assertTrue(h.isElf());
        assertTrue(h.solo5AbiTarget().isEmpty());
        byte[] noteTooLong = solo5Elf(2);
        ByteBuffer.wrap(noteTooLong).order(ByteOrder.LITTLE_ENDIAN).putInt(128, Integer.MAX_VALUE);
        assertTrue(ImageHeader.read(Files.write(dir.resolve("bad2"), noteTooLong)).solo5AbiTarget().isEmpty());
        for (int n = 0; n < 200; n += 7) {
            ImageHeader.read(Files.write(dir.resolve("cut" + n), java.util.Arrays.copyOf(solo5Elf(1), n))); // no exception
        }
        assertFalse(ImageHeader.read(dir.resolve("missing")).isElf());
    }
}
