package io.umonitor.solo5;

import io.umonitor.kit.host.Executables;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Where the Solo5 tools are. Looked up, in order, under a Solo5 home directory (the backend's
 * {@code home} setting, else the {@code UMONITOR_SOLO5_HOME} environment variable) and then on
 * {@code PATH}. A home may be an installation prefix ({@code HOME/bin/solo5-spt}), a Solo5 build tree
 * ({@code HOME/tenders/spt/solo5-spt}, {@code HOME/tenders/hvt/solo5-hvt},
 * {@code HOME/tenders/hvt/solo5-hvt-debug}, {@code HOME/elftool/solo5-elftool}) or a flat directory
 * holding the executables.
 */
record Solo5Installation(
        Optional<Path> home,
        Optional<Path> hvt,
        Optional<Path> spt,
        Optional<Path> hvtDebug,
        Optional<Path> elftool) {

    static final String HOME_VARIABLE = "UMONITOR_SOLO5_HOME";

    static Solo5Installation locate(Optional<Path> home, String pathVariable) {
        List<Path> dirs = new ArrayList<>();
        home.ifPresent(h -> {
            dirs.add(h.resolve("bin"));
            dirs.add(h.resolve("tenders/hvt"));
            dirs.add(h.resolve("tenders/spt"));
            dirs.add(h.resolve("elftool"));
            dirs.add(h);
        });
        dirs.addAll(Executables.pathDirectories(pathVariable));
        return new Solo5Installation(home, Executables.find("solo5-hvt", dirs), Executables.find("solo5-spt", dirs),
                Executables.find("solo5-hvt-debug", dirs), Executables.find("solo5-elftool", dirs));
    }

    /** The home from a setting, else the environment; empty when neither names one. */
    static Optional<Path> home(Optional<String> setting) {
        return setting.or(() -> Optional.ofNullable(System.getenv(HOME_VARIABLE)))
                .filter(s -> !s.isBlank()).map(Path::of);
    }

    Optional<Path> tender(Tender tender) {
        return tender == Tender.HVT ? hvt : spt;
    }

    /** What is missing for {@code tender}, or empty when it can run. */
    Optional<String> missingFor(Tender tender) {
        List<String> missing = new ArrayList<>();
        if (tender(tender).isEmpty()) {
            missing.add(tender.executableName());
        }
        if (elftool.isEmpty()) {
            missing.add("solo5-elftool");
        }
        return missing.isEmpty() ? Optional.empty() : Optional.of(String.join(" and ", missing)
                + " not found " + where() + fix());
    }

    String where() {
        return home.map(h -> "under " + HOME_VARIABLE + "=" + h + " (bin/, tenders/hvt/, tenders/spt/, elftool/) "
                + "or on PATH").orElse("on PATH (and " + HOME_VARIABLE + " is not set)");
    }

    static String fix() {
        return ": build Solo5 (git clone https://github.com/Solo5/solo5 && cd solo5 && ./configure.sh && make; "
                + "it needs libseccomp-dev and pkg-config) and set " + HOME_VARIABLE + " to its directory, or put "
                + "its tenders and solo5-elftool on PATH";
    }
}
