package io.umonitor.core.internal;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.nio.file.FileSystems;
import java.nio.file.attribute.FileTime;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * The SHA-256 of one unikernel's image file, for the identity its records carry. Read again only when the
 * file changed since it was last read (another inode, size, modification or status-change time), so a
 * restart loop, or many guests launched from one image, do not re-read it: reading is on the launch path
 * (about 0.4 ms for a 30 KiB program, 0.5 s for a 512 MiB image). The last digests are shared by every
 * unikernel in this JVM; the status-change time, which no user call can set back, tells a file rewritten
 * in place with the same size and modification time from the one that was read.
 */
final class ImageDigest {
    /** How many images' digests are kept; beyond it the cache starts over (a monitor runs a few images). */
    static final int CACHED_IMAGES = 256;

    private record Stamp(Object fileKey, long size, long modifiedNanos, long changedNanos) {
    }

    private record Known(Stamp stamp, String digest) {
    }

    private static final Map<Path, Known> KNOWN = new ConcurrentHashMap<>();

    /** Whether the "unix" attribute view (inode, status-change time) exists, as on Linux. */
    private static final boolean POSIX = FileSystems.getDefault().supportedFileAttributeViews().contains("unix");

    private final Path image;

    /** How many images' digests are remembered now (for the test of the bound). */
    static int cachedImages() {
        return KNOWN.size();
    }

    ImageDigest(Path image) {
        this.image = image.toAbsolutePath().normalize();
    }

    /** {@code sha256:<hex>} of the image as it is now; empty when it cannot be read (the launch then says why). */
    String current() {
        try {
            Stamp before = stamp();
            if (before == null) {
                return "";
            }
            Known known = KNOWN.get(image);
            if (known != null && known.stamp().equals(before)) {
                return known.digest();
            }
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            byte[] buf = new byte[64 * 1024];
            try (InputStream in = Files.newInputStream(image)) {
                for (int n; (n = in.read(buf)) > 0; ) {
                    sha.update(buf, 0, n);
                }
            }
            String digest = "sha256:" + HexFormat.of().formatHex(sha.digest());
            // Kept only if the file did not change while it was read: otherwise the digest is of neither version.
            if (before.equals(stamp())) {
                if (KNOWN.size() >= CACHED_IMAGES) {
                    KNOWN.clear();
                }
                KNOWN.put(image, new Known(before, digest));
            }
            return digest;
        } catch (IOException e) {
            return "";
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime has SHA-256", e);
        }
    }

    /** What identifies the image's content without reading it; null when it is not a regular file. */
    private Stamp stamp() throws IOException {
        if (POSIX) {
            Map<String, Object> a = Files.readAttributes(image, "unix:ino,dev,size,lastModifiedTime,ctime,isRegularFile");
            if (!Boolean.TRUE.equals(a.get("isRegularFile"))) {
                return null;
            }
            return new Stamp(a.get("dev") + ":" + a.get("ino"), (Long) a.get("size"),
                    ((FileTime) a.get("lastModifiedTime")).to(TimeUnit.NANOSECONDS), ((FileTime) a.get("ctime")).to(TimeUnit.NANOSECONDS));
        }
        BasicFileAttributes a = Files.readAttributes(image, BasicFileAttributes.class);
        return a.isRegularFile() ? new Stamp(a.fileKey(), a.size(), a.lastModifiedTime().to(TimeUnit.NANOSECONDS), -1) : null;
    }
}
