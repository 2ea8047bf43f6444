package io.umonitor.rumprun.internal;

import io.umonitor.api.LaunchException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The file QEMU reads a guest's log token from ({@code -fw_cfg name=opt/io.umonitor/token,file=PATH}),
 * so that the token is on no command line: only the monitor's user can read it (0600 in a 0700
 * directory of its own), and it is deleted when the guest ends, when its launch fails, or when the
 * backend closes. It stays while the guest runs because QEMU is started again (KVM falling back to
 * TCG) with the same command line.
 */
public final class GuestTokenFile implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(GuestTokenFile.class);

    /** The fw_cfg file name; guests' clients read it (umonitor_fwcfg.h's UMON_FWCFG_TOKEN_FILE). */
    public static final String FW_CFG_NAME = "opt/io.umonitor/token";

    private final Path directory;
    private final Path file;
    private final AtomicBoolean deleted = new AtomicBoolean();

    private GuestTokenFile(Path directory, Path file) {
        this.directory = directory;
        this.file = file;
    }

    /**
     * Writes {@code token} into a new directory under {@code parent}; the permissions are given at
     * creation, so there is no moment at which another user could open the file.
     *
     * @throws LaunchException naming the directory when it cannot be written
     */
    public static GuestTokenFile create(Path parent, String unikernel, String token) {
        Path directory = null;
        try {
            directory = Files.createTempDirectory(parent, "token-",
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            Path file = Files.createFile(directory.resolve("token"),
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            Files.writeString(file, token, StandardCharsets.US_ASCII);
            return new GuestTokenFile(directory, file);
        } catch (IOException | UnsupportedOperationException e) {
            if (directory != null) {
                new GuestTokenFile(directory, directory.resolve("token")).close();
            }
            throw new LaunchException("cannot write the log token file of unikernel '" + unikernel + "' in "
                    + parent + " (QEMU reads the token from it): " + e.getMessage()
                    + "; give the monitor a writable work directory on a file system with POSIX permissions", e);
        }
    }

    public Path path() {
        return file;
    }

    public boolean exists() {
        return Files.exists(file);
    }

    /** Deletes the file and its directory; idempotent. */
    @Override
    public void close() {
        if (!deleted.compareAndSet(false, true)) {
            return;
        }
        try {
            Files.deleteIfExists(file);
            Files.deleteIfExists(directory);
        } catch (IOException e) {
            LOG.warn("could not delete the token file {}: {}", file, e.getMessage());
        }
    }
}
