package io.umonitor.solo5;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class Solo5InstallationTest {

    private static Path executable(Path file) throws IOException {
        Files.createDirectories(file.getParent());
        Files.writeString(file, "#!/bin/sh\n");
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-xr-x"));
        return file;
    }

    @Test
    void findsTheBuildTreeLayout(@TempDir Path home) throws IOException {
        Path hvt = executable(home.resolve("tenders/hvt/solo5-hvt"));
        Path debug = executable(home.resolve("tenders/hvt/solo5-hvt-debug"));
        Path spt = executable(home.resolve("tenders/spt/solo5-spt"));
        Path elftool = executable(home.resolve("elftool/solo5-elftool"));
        Solo5Installation found = Solo5Installation.locate(Optional.of(home), "");
        assertEquals(Optional.of(hvt), found.hvt());
        assertEquals(Optional.of(debug), found.hvtDebug());
        assertEquals(Optional.of(spt), found.spt());
        assertEquals(Optional.of(elftool), found.elftool());
        assertEquals(Optional.empty(), found.missingFor(Tender.SPT));
    }

    @Test
    void findsAnInstallPrefixAndThenPath(@TempDir Path dir) throws IOException {
        Path spt = executable(dir.resolve("prefix/bin/solo5-spt"));
        Path elftool = executable(dir.resolve("elsewhere/solo5-elftool"));
        Solo5Installation found = Solo5Installation.locate(Optional.of(dir.resolve("prefix")),
                "/nonexistent:" + dir.resolve("elsewhere"));
        assertEquals(Optional.of(spt), found.spt());
        assertEquals(Optional.of(elftool), found.elftool());
        assertEquals(Optional.empty(), found.hvt());
    }

    @Test
    void namesWhatIsMissingWhereItLookedAndTheFix(@TempDir Path home) throws IOException {
        Files.writeString(home.resolve("solo5-hvt"), "not executable");
        Solo5Installation found = Solo5Installation.locate(Optional.of(home), "");
        String m = found.missingFor(Tender.HVT).orElseThrow();
        assertTrue(m.startsWith("solo5-hvt and solo5-elftool not found under UMONITOR_SOLO5_HOME=" + home), m);
        assertTrue(m.contains("./configure.sh && make") && m.contains("PATH"), m);
        assertTrue(Solo5Installation.locate(Optional.empty(), "").where().contains("is not set"));
    }
}
