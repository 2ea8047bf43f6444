package io.umonitor.core.internal;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * The SHA-256 of one unikernel's image file, for the identity its records carry. Read again only when the
 * file's size or modification time changed since the last run, so a restart loop does not re-read the image.
 */
final class ImageDigest {
    private final Path image;
    private long size = -1;
    private long modified;
    private String digest = "";

    ImageDigest(Path image) {
        this.image = image;
    }

    /** {@code sha256:<hex>} of the image as it is now; empty when it cannot be read (the launch then says why). */
    synchronized String current() {
        try {
            BasicFileAttributes a = Files.readAttributes(image, BasicFileAttributes.class);
            if (!a.isRegularFile()) {
                return "";
            }
            if (a.size() == size && a.lastModifiedTime().toMillis() == modified) {
                return digest;
            }
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            byte[] buf = new byte[64 * 1024];
            try (InputStream in = Files.newInputStream(image)) {
                for (int n; (n = in.read(buf)) > 0; ) {
                    sha.update(buf, 0, n);
                }
            }
            digest = "sha256:" + HexFormat.of().formatHex(sha.digest());
            size = a.size();
            modified = a.lastModifiedTime().toMillis();
            return digest;
        } catch (IOException e) {
            return "";
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime has SHA-256", e);
        }
    }
}
