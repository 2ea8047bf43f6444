package io.umonitor.core.network.tap;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.umonitor.api.ProvisioningException;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The provisioner's state file: one small JSON file per device under {@code STATE/tap-devices/}, so that a
 * crash while writing one record never corrupts the others. Allocation and release run under
 * {@link #locked}, which excludes other threads and, through a file lock, other monitor processes that
 * share the state directory.
 */
final class DeviceStateStore {

    private static final Logger LOG = LoggerFactory.getLogger(DeviceStateStore.class);
    // FileLock is per process: threads (and provisioner instances) of one JVM must also be kept apart.
    private static final Map<Path, Object> JVM_LOCKS = new ConcurrentHashMap<>();

    private final ObjectMapper json = new ObjectMapper()
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);
    private final Path devices;
    private final Path lockFile;
    private final Object jvmLock;

    DeviceStateStore(Path stateDirectory) throws IOException {
        Path root = stateDirectory.toAbsolutePath().normalize();
        this.devices = root.resolve("tap-devices");
        this.lockFile = root.resolve("tap.lock");
        Files.createDirectories(devices);
        this.jvmLock = JVM_LOCKS.computeIfAbsent(root.toRealPath(), p -> new Object());
    }

    Path directory() {
        return devices;
    }

    <T> T locked(Supplier<T> action) {
        synchronized (jvmLock) {
            try (FileChannel channel = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
                return HostWideLock.underFileLock(channel, action);
            } catch (IOException e) {
                throw new ProvisioningException("could not lock the tap state file " + lockFile + ": " + e
                        + ". Fix: make the monitor's state directory writable", e);
            }
        }
    }

    List<DeviceRecord> list() {
        List<DeviceRecord> records = new ArrayList<>();
        try (DirectoryStream<Path> files = Files.newDirectoryStream(devices, "*.json")) {
            for (Path file : files) {
                try {
                    records.add(json.readValue(file.toFile(), DeviceRecord.class));
                } catch (IOException e) {
                    // A record we cannot read names nothing we could safely delete; keep it for a human.
                    LOG.warn("ignoring unreadable tap state record {}: {}", file, e.toString());
                }
            }
        } catch (IOException e) {
            throw new ProvisioningException("could not read the tap state directory " + devices + ": " + e
                    + ". Fix: make the monitor's state directory readable", e);
        }
        return records;
    }

    void write(DeviceRecord record) {
        Path target = file(record.name(), record.namespace());
        Path temporary = target.resolveSibling(target.getFileName() + ".tmp");
        try {
            Files.write(temporary, json.writerWithDefaultPrettyPrinter().writeValueAsBytes(record));
            try {
                Files.move(temporary, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(temporary, target, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            throw new ProvisioningException("could not write the tap state record " + target + ": " + e
                    + ". Fix: make the monitor's state directory writable and not full", e);
        }
    }

    void delete(DeviceRecord record) {
        Path target = file(record.name(), record.namespace());
        try {
            Files.deleteIfExists(target);
        } catch (IOException e) {
            throw new ProvisioningException("could not delete the tap state record " + target + ": " + e
                    + ". Fix: make the monitor's state directory writable", e);
        }
    }

    private Path file(String name, String namespace) {
        // Interface and namespace names cannot contain '@' (validated), so the file name is unambiguous.
        return devices.resolve(namespace == null ? name + ".json" : name + "@" + namespace + ".json");
    }
}
