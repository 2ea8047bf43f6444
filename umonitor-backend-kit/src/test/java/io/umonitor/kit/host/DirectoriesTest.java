package io.umonitor.kit.host;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DirectoriesTest {
    @TempDir
    Path dir;

    @Test
    void aTreeGoesWholeButWhatALinkInItPointsToStays() throws Exception {
        Path outside = Files.writeString(dir.resolve("outside.txt"), "keep me");
        Path root = Files.createDirectories(dir.resolve("scratch/a/b"));
        Files.writeString(root.resolve("file"), "x");
        Files.createSymbolicLink(dir.resolve("scratch/a/link"), outside);
        Files.createSymbolicLink(dir.resolve("scratch/dirlink"), dir);

        Directories.deleteRecursively(dir.resolve("scratch"));

        assertFalse(Files.exists(dir.resolve("scratch")));
        assertTrue(Files.exists(outside), "a link's target is never followed");
    }

    @Test
    void aMissingDirectoryIsNothingToDo() throws Exception {
        Directories.deleteRecursively(dir.resolve("never-made"));
        assertFalse(Files.exists(dir.resolve("never-made")));
    }
}
