package io.umonitor.core.network.tap;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serializes choosing and configuring addresses among all monitors on this host, including those with
 * other state directories: they cannot see each other's records, only the addresses already configured, so
 * choosing and configuring must happen under one lock. Falls back to a JVM-wide lock when no lock file
 * can be opened (e.g. a read-only /run and /tmp).
 */
final class HostWideLock {

    private static final Logger LOG = LoggerFactory.getLogger(HostWideLock.class);
    private static final Object JVM_LOCK = new Object();
    private static final AtomicBoolean WARNED = new AtomicBoolean();

    private HostWideLock() {
    }

    static Path lockFile() {
        Path runLock = Path.of("/run/lock");
        Path directory = Files.isDirectory(runLock) && Files.isWritable(runLock)
                ? runLock : Path.of(System.getProperty("java.io.tmpdir"));
        return directory.resolve("umonitor-tap.lock");
    }

    static <T> T run(Supplier<T> action) {
        synchronized (JVM_LOCK) {
            Path file = lockFile();
            FileChannel channel;
            try {
                channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            } catch (IOException | UnsupportedOperationException e) {
                if (WARNED.compareAndSet(false, true)) {
                    LOG.warn("cannot open the host-wide tap lock {} ({}); monitors with different state directories "
                            + "could choose the same addresses at the same moment", file, e.toString());
                }
                return action.get();
            }
            try (channel) {
                return underFileLock(channel, action);
            } catch (IOException e) {
                throw new io.umonitor.api.ProvisioningException("could not lock " + file + ": " + e
                        + ". Fix: make it writable for the monitor or remove it", e);
            }
        }
    }

    /** Runs {@code action} holding an exclusive lock on {@code channel}'s file (other processes wait). */
    static <T> T underFileLock(FileChannel channel, Supplier<T> action) throws IOException {
        FileLock lock = channel.lock();
        try {
            return action.get();
        } finally {
            lock.release();
        }
    }
}
