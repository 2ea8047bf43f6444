package io.umonitor.protocol.trace;

import io.umonitor.api.ConfigurationException;
import java.io.IOException;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * The function symbols of an ELF image (32 or 64 bit, either byte order), read without any native
 * tool: enough to turn the addresses of TRACE records into function names.
 *
 * <p>Reads {@code .symtab} (or {@code .dynsym} when the image is stripped). Every offset and size
 * in the file is checked before use; a file that is not a well-formed ELF image gives a
 * {@link ConfigurationException} naming it.
 *
 * @since 0.1
 */
public final class ElfSymbols {
    /** One function symbol: link-time address and size in bytes (0 when the image does not say). */
    public record Symbol(String name, long address, long size) {
    }

    private static final int SHT_SYMTAB = 2;
    private static final int SHT_DYNSYM = 11;
    private static final int STT_FUNC = 2;
    private static final int PT_LOAD = 1;

    private final Path file;
    private final List<Symbol> functions;
    private final long imageStart;

    private ElfSymbols(Path file, List<Symbol> functions, long imageStart) {
        this.file = file;
        this.functions = functions;
        this.imageStart = imageStart;
    }

    /**
     * Reads the symbols of {@code file}.
     *
     * @throws ConfigurationException when the file cannot be read or is not an ELF image
     */
    public static ElfSymbols read(Path file) {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new ConfigurationException("cannot read the image " + file + " for its symbols (" + e
                    + "): give the path of the unikernel image that produced the trace", e);
        }
        try {
            return parse(file, ByteBuffer.wrap(bytes));
        } catch (BufferUnderflowException | IndexOutOfBoundsException | IllegalArgumentException e) {
            throw notElf(file, "a header, section or symbol lies outside the file (" + e + ")");
        }
    }

    /** The image these symbols come from. */
    public Path file() {
        return file;
    }

    /** Every function symbol, sorted by address. */
    public List<Symbol> functions() {
        return functions;
    }

    /**
     * The link-time address the C client measures trace addresses from: the value of
     * {@code __executable_start}, or else the lowest loadable segment's address.
     */
    public long imageStart() {
        return imageStart;
    }

    /** The function containing {@code address} (link-time), if any. */
    public Optional<Symbol> functionAt(long address) {
        int lo = 0;
        int hi = functions.size() - 1;
        Symbol best = null;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            Symbol s = functions.get(mid);
            if (Long.compareUnsigned(s.address(), address) <= 0) {
                best = s;
                lo = mid + 1;
            } else {
                hi = mid - 1;
            }
        }
        if (best == null || (best.size() > 0 && Long.compareUnsigned(address - best.address(), best.size()) >= 0)) {
            return Optional.empty();
        }
        return Optional.of(best);
    }

    /** The address of the function named {@code name}, if the image has it. */
    public OptionalLong addressOf(String name) {
        return functions.stream().filter(s -> s.name().equals(name)).mapToLong(Symbol::address).findFirst();
    }

    private static ElfSymbols parse(Path file, ByteBuffer b) {
        if (b.limit() < 52 || b.get(0) != 0x7f || b.get(1) != 'E' || b.get(2) != 'L' || b.get(3) != 'F') {
            throw notElf(file, "it does not start with the ELF magic 7f 45 4c 46");
        }
        boolean is64 = switch (b.get(4)) {
            case 1 -> false;
            case 2 -> true;
            default -> throw notElf(file, "its class byte is " + b.get(4) + ", neither 1 (32-bit) nor 2 (64-bit)");
        };
        b.order(switch (b.get(5)) {
            case 1 -> ByteOrder.LITTLE_ENDIAN;
            case 2 -> ByteOrder.BIG_ENDIAN;
            default -> throw notElf(file, "its data byte is " + b.get(5) + ", neither 1 (LSB) nor 2 (MSB)");
        });
        long phoff = is64 ? b.getLong(32) : u32(b, 28);
        long shoff = is64 ? b.getLong(40) : u32(b, 32);
        int phentsize = u16(b, is64 ? 54 : 42);
        int phnum = u16(b, is64 ? 56 : 44);
        int shentsize = u16(b, is64 ? 58 : 46);
        int shnum = u16(b, is64 ? 60 : 48);

        long lowestLoad = -1;
        for (int i = 0; i < phnum; i++) {
            int ph = index(file, b, phoff + (long) i * phentsize, is64 ? 56 : 32);
            if (b.getInt(ph) == PT_LOAD) {
                long vaddr = is64 ? b.getLong(ph + 16) : u32(b, ph + 8);
                if (lowestLoad == -1 || Long.compareUnsigned(vaddr, lowestLoad) < 0) {
                    lowestLoad = vaddr;
                }
            }
        }

        int symtab = -1;
        int dynsym = -1;
        for (int i = 0; i < shnum; i++) {
            int sh = index(file, b, shoff + (long) i * shentsize, is64 ? 64 : 40);
            int type = b.getInt(sh + 4);
            if (type == SHT_SYMTAB && symtab < 0) {
                symtab = sh;
            } else if (type == SHT_DYNSYM && dynsym < 0) {
                dynsym = sh;
            }
        }
        int table = symtab >= 0 ? symtab : dynsym;
        if (table < 0) {
            throw notElf(file, "it has no symbol table (it was stripped)", "build it without -s / strip, or keep "
                    + "an unstripped copy for symbolizing");
        }
        long offset = is64 ? b.getLong(table + 24) : u32(b, table + 16);
        long size = is64 ? b.getLong(table + 32) : u32(b, table + 20);
        int link = b.getInt(table + (is64 ? 40 : 24));
        int entsize = is64 ? 24 : 16;
        int strSh = index(file, b, shoff + (long) link * shentsize, is64 ? 64 : 40);
        long strOffset = is64 ? b.getLong(strSh + 24) : u32(b, strSh + 16);
        long strSize = is64 ? b.getLong(strSh + 32) : u32(b, strSh + 20);
        index(file, b, strOffset, strSize);

        List<Symbol> functions = new ArrayList<>();
        long executableStart = -1;
        for (long pos = 0; pos + entsize <= size; pos += entsize) {
            int sym = index(file, b, offset + pos, entsize);
            long nameOffset = u32(b, sym);
            int info = b.get(sym + (is64 ? 4 : 12)) & 0xff;
            int shndx = u16(b, sym + (is64 ? 6 : 14));
            long value = is64 ? b.getLong(sym + 8) : u32(b, sym + 4);
            long symSize = is64 ? b.getLong(sym + 16) : u32(b, sym + 8);
            if (nameOffset >= strSize) {
                continue;
            }
            String name = cString(b, (int) (strOffset + nameOffset), (int) (strOffset + strSize));
            if (name.equals("__executable_start")) {
                executableStart = value;
            }
            if ((info & 0xf) == STT_FUNC && shndx != 0 && value != 0 && !name.isEmpty()) {
                functions.add(new Symbol(name, value, symSize));
            }
        }
        functions.sort(Comparator.comparing(Symbol::address, Long::compareUnsigned));
        long start = executableStart != -1 ? executableStart : Math.max(lowestLoad, 0);
        return new ElfSymbols(file, List.copyOf(functions), start);
    }

    private static int index(Path file, ByteBuffer b, long offset, long length) {
        if (offset < 0 || length < 0 || offset > b.limit() || length > b.limit() - offset) {
            throw notElf(file, "a structure at offset " + offset + " of " + length + " bytes lies outside its "
                    + b.limit() + " bytes");
        }
        return (int) offset;
    }

    private static String cString(ByteBuffer b, int from, int end) {
        int i = from;
        while (i < end && b.get(i) != 0) {
            i++;
        }
        byte[] name = new byte[i - from];
        b.get(from, name);
        return new String(name, StandardCharsets.UTF_8);
    }

    private static long u32(ByteBuffer b, int at) {
        return b.getInt(at) & 0xffff_ffffL;
    }

    private static int u16(ByteBuffer b, int at) {
        return b.getShort(at) & 0xffff;
    }

    private static ConfigurationException notElf(Path file, String why) {
        return notElf(file, why, "give the unikernel image (an ELF file) that produced the trace");
    }

    private static ConfigurationException notElf(Path file, String why, String fix) {
        return new ConfigurationException("image " + file + " cannot be read as ELF: " + why + ": " + fix);
    }
}
