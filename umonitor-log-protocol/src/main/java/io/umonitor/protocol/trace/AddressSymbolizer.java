package io.umonitor.protocol.trace;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Turns the addresses in TRACE records (PROTOCOL.md 4.2, {@code trace.fn} and {@code trace.caller})
 * into function names, and source lines when {@code addr2line} (binutils) is on the PATH and the
 * image has debug information.
 *
 * <p>The C client sends addresses relative to the image's start, so that a position-independent
 * image loaded anywhere still resolves: {@link #resolve(long)} adds {@link ElfSymbols#imageStart()}.
 *
 * <pre>{@code
 * AddressSymbolizer symbols = AddressSymbolizer.forImage(Path.of("server.elf"));
 * symbols.resolve(traceFn)  // handle_request (server.c:42)
 * }</pre>
 *
 * <p>Thread-safe; results are cached.
 *
 * @since 0.1
 */
public final class AddressSymbolizer {
    private final ElfSymbols symbols;
    private final Path addr2line;
    private final Map<Long, ResolvedAddress> cache = new HashMap<>();

    private AddressSymbolizer(ElfSymbols symbols, Path addr2line) {
        this.symbols = symbols;
        this.addr2line = addr2line;
    }

    /**
     * A symbolizer for {@code image}, using {@code addr2line} for source lines when it is on the PATH.
     *
     * @throws io.umonitor.api.ConfigurationException when the image cannot be read as ELF
     */
    public static AddressSymbolizer forImage(Path image) {
        return new AddressSymbolizer(ElfSymbols.read(image), findOnPath("addr2line").orElse(null));
    }

    /** A symbolizer that only uses the ELF symbol table: names, no source lines. */
    public static AddressSymbolizer namesOnly(Path image) {
        return new AddressSymbolizer(ElfSymbols.read(image), null);
    }

    /** True when source lines can be found (addr2line is available). */
    public boolean hasSourceLines() {
        return addr2line != null;
    }

    public ElfSymbols symbols() {
        return symbols;
    }

    /** Resolves one address as the C client sends it (relative to the image's start). */
    public synchronized ResolvedAddress resolve(long relativeAddress) {
        resolveAll(List.of(relativeAddress));
        return cache.get(relativeAddress);
    }

    /** Resolves many addresses at once: one addr2line run instead of one per address. */
    public synchronized Map<Long, ResolvedAddress> resolveAll(Collection<Long> relativeAddresses) {
        List<Long> missing = new ArrayList<>(new LinkedHashSet<>(relativeAddresses));
        missing.removeIf(cache::containsKey);
        Map<Long, String[]> lines = addr2line == null || missing.isEmpty() ? Map.of() : runAddr2line(missing);
        for (long relative : missing) {
            long address = relative + symbols.imageStart();
            Optional<ElfSymbols.Symbol> symbol = symbols.functionAt(address);
            String function = symbol.map(ElfSymbols.Symbol::name).orElse("0x" + Long.toHexString(address));
            long offset = symbol.map(s -> address - s.address()).orElse(0L);
            String file = null;
            int line = 0;
            String[] location = lines.get(relative);
            if (location != null && symbol.isPresent()) {
                file = location[0];
                line = Integer.parseInt(location[1]);
            }
            cache.put(relative, new ResolvedAddress(address, function, offset, file, line));
        }
        Map<Long, ResolvedAddress> result = new HashMap<>();
        for (long relative : relativeAddresses) {
            result.put(relative, cache.get(relative));
        }
        return result;
    }

    /** file and line per address, for those addr2line knows; empty when it fails. */
    private Map<Long, String[]> runAddr2line(List<Long> relatives) {
        List<String> command = new ArrayList<>(List.of(addr2line.toString(), "-e", symbols.file().toString()));
        for (long relative : relatives) {
            command.add("0x" + Long.toHexString(relative + symbols.imageStart()));
        }
        try {
            Process p = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.DISCARD).start();
            String out;
            try (InputStream in = p.getInputStream()) {
                out = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            }
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return Map.of();
            }
            String[] outLines = out.split("\n");
            Map<Long, String[]> result = new HashMap<>();
            for (int i = 0; i < relatives.size() && i < outLines.length; i++) {
                String[] location = parseLocation(outLines[i]);
                if (location != null) {
                    result.put(relatives.get(i), location);
                }
            }
            return result;
        } catch (IOException e) {
            return Map.of();  // names from the symbol table are still worth having
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Map.of();
        }
    }

    /** "path/file.c:42" or "path/file.c:42 (discriminator 1)"; null for "??:0" and "file:?". */
    static String[] parseLocation(String text) {
        String s = text.strip();
        int paren = s.indexOf(" (");
        if (paren >= 0) {
            s = s.substring(0, paren);
        }
        int colon = s.lastIndexOf(':');
        if (colon <= 0 || s.startsWith("??")) {
            return null;
        }
        String line = s.substring(colon + 1);
        if (line.isEmpty() || !line.chars().allMatch(Character::isDigit) || line.equals("0")) {
            return null;
        }
        return new String[] {s.substring(0, colon), line};
    }

    private static Optional<Path> findOnPath(String tool) {
        String path = System.getenv("PATH");
        if (path == null) {
            return Optional.empty();
        }
        for (String dir : path.split(java.io.File.pathSeparator)) {
            Path candidate = Path.of(dir, tool);
            if (Files.isExecutable(candidate)) {
                return Optional.of(candidate);
            }
        }
        return Optional.empty();
    }
}
