package io.umonitor.solo5;

import java.util.Locale;
import java.util.Optional;

/** The Solo5 targets umonitor launches; an image's ABI target names the tender that runs it. */
enum Tender {
    HVT("hvt"),
    SPT("spt");

    private final String target;

    Tender(String target) {
        this.target = target;
    }

    /** The ABI target as {@code solo5-elftool query-abi} prints it, and the tender's suffix. */
    String target() {
        return target;
    }

    String executableName() {
        return "solo5-" + target;
    }

    static Optional<Tender> fromTarget(String target) {
        for (Tender t : values()) {
            if (t.target.equals(target.toLowerCase(Locale.ROOT))) {
                return Optional.of(t);
            }
        }
        return Optional.empty();
    }
}
