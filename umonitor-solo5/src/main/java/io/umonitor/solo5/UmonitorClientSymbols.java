package io.umonitor.solo5;

import io.umonitor.api.UmonitorException;
import io.umonitor.protocol.trace.ElfSymbols;
import java.nio.file.Path;

/**
 * Whether a unikernel image links one of umonitor's log clients, read from its ELF function symbols:
 * the C client's {@code umon_*} functions, or the OCaml client's {@code camlUmonitor_log*} ones. Only
 * such images understand the {@code --umonitor-*} boot keys; others (Solo5's own tests, a MirageOS
 * unikernel without the client) may reject unknown keys, so they do not get them by default.
 */
final class UmonitorClientSymbols {

    private UmonitorClientSymbols() {
    }

    /** True when {@code image} has a function symbol of a umonitor client; false for a stripped or unreadable image. */
    static boolean linkedInto(Path image) {
        try {
            return ElfSymbols.read(image).functions().stream().map(ElfSymbols.Symbol::name)
                    .anyMatch(UmonitorClientSymbols::isClientSymbol);
        } catch (UmonitorException e) {
            return false;
        }
    }

    static boolean isClientSymbol(String name) {
        return name.startsWith("umon_") || name.startsWith("camlUmonitor_log");
    }
}
