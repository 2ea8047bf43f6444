package io.umonitor.kit.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.umonitor.api.BackendUnavailableException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ExecutablesTest {

    @TempDir
    Path dir;

    private Path file(String relative, String permissions) throws IOException {
        Path path = dir.resolve(relative);
        Files.createDirectories(path.getParent());
        Files.writeString(path, "#!/bin/sh\n");
        Files.setPosixFilePermissions(path, PosixFilePermissions.fromString(permissions));
        return path;
    }

    @Test
    void theFirstDirectoryHoldingAnExecutableFileWins() throws IOException {
        file("home/bin/umt-tender", "rw-r--r--");
        Path second = file("build/umt-tender", "rwxr-xr-x");
        file("path/umt-tender", "rwxr-xr-x");
        Files.createDirectories(dir.resolve("dir-named/umt-tender"));
        List<Path> dirs = List.of(dir.resolve("dir-named"), dir.resolve("home/bin"), dir.resolve("build"),
                dir.resolve("path"));
        assertEquals(Optional.of(second), Executables.find("umt-tender", dirs));
        assertEquals(Optional.empty(), Executables.find("umt-other", dirs));
    }

    @Test
    void aPathVariableSplitsIntoItsNonEmptyDirectories() {
        assertEquals(List.of(Path.of("/a"), Path.of("/b")), Executables.pathDirectories("/a::/b: "));
        assertEquals(List.of(), Executables.pathDirectories(null));
    }

    @Test
    void aNameWithASlashIsTakenAsThePathItself() throws IOException {
        Path runnable = file("x/umt-run", "rwxr-xr-x");
        Path plain = file("x/umt-plain", "rw-r--r--");
        assertEquals(Optional.of(runnable), Executables.find(runnable.toString()));
        assertEquals(Optional.empty(), Executables.find(plain.toString()));
    }

    @Test
    void systemToolsAreFoundEvenOffPath() {
        // sh is in /bin or /usr/bin on every Linux, whatever PATH says.
        assertTrue(Executables.find("sh").isPresent());
    }

    @Test
    void aRequiredToolThatIsMissingSaysWhatItIsForAndHowToGetIt() {
        BackendUnavailableException e = assertThrows(BackendUnavailableException.class,
                () -> Executables.require("umt-no-such-tool", "pin the tender to CPUs", "install util-linux"));
        assertEquals("umt-no-such-tool not found on PATH or in /usr/sbin, /sbin, needed to pin the tender to CPUs: "
                + "install util-linux", e.getMessage());
    }

    @Test
    void aMissingToolReadsTheSameInAvailabilityAsInALaunch() {
        String missing = Executables.missing("umt-no-such-tool", "pin the tender to CPUs", "install util-linux")
                .orElseThrow();
        BackendUnavailableException e = assertThrows(BackendUnavailableException.class,
                () -> Executables.require("umt-no-such-tool", "pin the tender to CPUs", "install util-linux"));
        assertEquals(e.getMessage(), missing);
        assertTrue(Executables.missing("sh", "run scripts", "install dash").isEmpty());
    }
}
