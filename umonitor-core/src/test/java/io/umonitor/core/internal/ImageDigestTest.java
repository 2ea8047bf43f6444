package io.umonitor.core.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The digests are remembered across unikernels so launches do not re-read images; a remembered digest must
 * never outlive the content it was computed from, even when the new content has the same size and
 * modification time (a build that restores timestamps, a copy with {@code cp -p}).
 */
class ImageDigestTest {

    private static final String SHA256_OF_ABC = "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";

    @TempDir
    Path dir;

    @Test
    void theDigestIsTheSha256OfTheFileAndIsSharedByEveryUnikernelOfThatImage() throws Exception {
        Path image = dir.resolve("img");
        Files.writeString(image, "abc");
        assertEquals(SHA256_OF_ABC, new ImageDigest(image).current());
        assertEquals(SHA256_OF_ABC, new ImageDigest(dir.resolve(".").resolve("img")).current());
        assertEquals("", new ImageDigest(dir.resolve("missing")).current());
        assertEquals("", new ImageDigest(dir).current(), "a directory has no digest");
    }

    @Test
    void anImageRewrittenInPlaceWithTheSameSizeAndModificationTimeGetsItsNewDigest() throws Exception {
        Path image = dir.resolve("img");
        Files.writeString(image, "abc");
        FileTime modified = Files.getLastModifiedTime(image);
        assertEquals(SHA256_OF_ABC, new ImageDigest(image).current());
        statusChangeClockMovesPast(image);
        Files.writeString(image, "abd");
        Files.setLastModifiedTime(image, modified);
        String rewritten = new ImageDigest(image).current();
        assertNotEquals(SHA256_OF_ABC, rewritten, "the same inode, size and mtime: only the status-change time differs");
        assertTrue(rewritten.startsWith("sha256:"));
    }

    /**
     * Waits until a file changed now gets a later status-change time than {@code file}: kernels without
     * fine-grained timestamps advance it once per timer tick, and a rewrite within the same tick could not be
     * told apart by any stat field (the limit of this cache, as of make's).
     */
    private void statusChangeClockMovesPast(Path file) throws Exception {
        FileTime before = (FileTime) Files.getAttribute(file, "unix:ctime");
        Path probe = dir.resolve("clock-probe");
        long deadline = System.nanoTime() + 5_000_000_000L;
        do {
            Files.writeString(probe, "x");
            if (((FileTime) Files.getAttribute(probe, "unix:ctime")).compareTo(before) > 0) {
                return;
            }
            Thread.onSpinWait();
        } while (System.nanoTime() < deadline);
        throw new AssertionError("the file system's status-change time did not advance within 5 s");
    }

    @Test
    void anImageReplacedByRenameWithTheSameSizeAndModificationTimeGetsItsNewDigest() throws Exception {
        Path image = dir.resolve("img");
        Files.writeString(image, "abc");
        FileTime modified = Files.getLastModifiedTime(image);
        assertEquals(SHA256_OF_ABC, new ImageDigest(image).current());
        Path next = dir.resolve("img.new");
        Files.writeString(next, "abd");
        Files.setLastModifiedTime(next, modified);
        Files.move(next, image, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        assertNotEquals(SHA256_OF_ABC, new ImageDigest(image).current());
    }

    /** A platform that launches ever new images (one per build) must not grow the JVM's heap with their digests. */
    @Test
    void aMonitorLaunchingEverNewImagesRemembersAtMostTheBoundOfDigests() throws Exception {
        int images = ImageDigest.CACHED_IMAGES + 44;
        for (int i = 0; i < images; i++) {
            Path image = dir.resolve("build-" + i);
            Files.writeString(image, "build " + i);
            assertTrue(new ImageDigest(image).current().startsWith("sha256:"));
            assertTrue(ImageDigest.cachedImages() <= ImageDigest.CACHED_IMAGES,
                    ImageDigest.cachedImages() + " digests remembered after " + (i + 1) + " images");
        }
    }
}
