package io.umonitor.rumprun.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.umonitor.api.LaunchException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GuestTokenFileTest {

    @TempDir
    Path runDirectory;

    @Test
    void theTokenIsWrittenReadableByItsOwnerOnlyAndDeletedWithItsDirectoryOnce() throws Exception {
        GuestTokenFile file = GuestTokenFile.create(runDirectory, "web", "0123456789abcdef0123456789abcdef");
        assertEquals("0123456789abcdef0123456789abcdef", Files.readString(file.path()), "no newline: the token as is");
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file.path())));
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file.path().getParent())));
        assertEquals(runDirectory, file.path().getParent().getParent());

        file.close();
        file.close();
        assertFalse(file.exists());
        try (var left = Files.list(runDirectory)) {
            assertEquals(0, left.count(), "nothing is left in the run directory");
        }
    }

    @Test
    void aDirectoryThatCannotHoldTheFileIsALaunchErrorNamingItAndTheFix() {
        Path missing = runDirectory.resolve("no-such-dir");
        LaunchException e = assertThrows(LaunchException.class,
                () -> GuestTokenFile.create(missing, "web", "0123456789abcdef0123456789abcdef"));
        assertTrue(e.getMessage().contains("unikernel 'web'") && e.getMessage().contains(missing.toString())
                && e.getMessage().contains("writable work directory"), e.getMessage());
        assertFalse(e.getMessage().contains("0123456789abcdef"), "the token is a secret: " + e.getMessage());
    }
}
