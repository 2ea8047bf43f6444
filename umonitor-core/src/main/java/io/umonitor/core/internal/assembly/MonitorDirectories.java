package io.umonitor.core.internal.assembly;

import io.umonitor.api.ConfigurationException;
import io.umonitor.api.spi.ProviderContext;
import io.umonitor.core.internal.PrivateFiles;
import io.umonitor.kit.host.Directories;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ScheduledExecutorService;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A monitor's directories: {@code work} is scratch space (run directories under {@code runs/}, provider
 * scratch under {@code providers/ID}), {@code state} survives a monitor crash (provider state under
 * {@code ID}, guest run-state records under {@code guests}).
 *
 * @param deleteWork whether {@code work} is a temporary directory removed when the monitor closes
 */
public record MonitorDirectories(Path work, Path state, boolean deleteWork) {
    private static final Logger LOG = LoggerFactory.getLogger(MonitorDirectories.class);

    /**
     * Creates the directories.
     *
     * @param workDirectory the builder's work directory, or null for a new temporary one
     * @param stateDirectory the builder's state directory, or null for the command line's
     *     ({@link io.umonitor.core.UmonitorHome#state()})
     * @throws ConfigurationException when one cannot be created
     */
    public static MonitorDirectories create(Path workDirectory, Path stateDirectory) {
        Path state = stateDirectory != null ? stateDirectory : io.umonitor.core.UmonitorHome.state();
        try {
            Path work = workDirectory != null ? PrivateFiles.createDirectories(workDirectory)
                    : Files.createTempDirectory("umonitor-");
            PrivateFiles.createDirectories(state);
            PrivateFiles.createDirectories(work.resolve("runs"));
            return new MonitorDirectories(work, state, workDirectory == null);
        } catch (IOException e) {
            throw new ConfigurationException("cannot create the monitor's directories (work " + workDirectory
                    + ", state " + state + "): " + e.getMessage() + ": make them writable or choose others", e);
        }
    }

    public Path runs() {
        return work.resolve("runs");
    }

    /** The context of a backend or provisioner: its settings, its own state and scratch directories. */
    public ProviderContext providerContext(String id, Map<String, String> settings, ScheduledExecutorService scheduler) {
        try {
            Path providerState = Files.createDirectories(state.resolve(id));
            Path providerWork = Files.createDirectories(work.resolve("providers").resolve(id));
            return new ProviderContext(settings, providerState, providerWork, scheduler);
        } catch (IOException e) {
            throw new ConfigurationException("cannot create directories for provider '" + id + "' under " + state
                    + " and " + work + ": " + e.getMessage(), e);
        }
    }

    /**
     * The context of a log sink. Its work directory is where the file sink's default {@code logs/} goes: the
     * command line's home ({@link io.umonitor.core.UmonitorHome#root()}) unless the builder chose a work
     * directory, so that by default a platform's logs and {@code umonitor logs} meet.
     */
    public ProviderContext sinkContext(String id, Map<String, String> settings, ScheduledExecutorService scheduler) {
        try {
            Path base = deleteWork ? io.umonitor.core.UmonitorHome.root() : work;
            return new ProviderContext(settings, Files.createDirectories(state.resolve(id)), base, scheduler);
        } catch (IOException e) {
            throw new ConfigurationException("cannot create the state directory of log sink '" + id + "' under "
                    + state + ": " + e.getMessage(), e);
        }
    }

    /** Removes a temporary work directory, except log files a sink wrote there by default. */
    public void deleteScratch() {
        if (!deleteWork) {
            return;
        }
        Path logs = work.resolve("logs");
        boolean hasLogs;
        try (var entries = Files.exists(logs) ? Files.list(logs) : java.util.stream.Stream.<Path>empty()) {
            hasLogs = entries.findAny().isPresent();
        } catch (IOException e) {
            hasLogs = true;
        }
        if (!hasLogs) {
            deleteRecursively(work);
            return;
        }
        deleteRecursively(work.resolve("runs"));
        deleteRecursively(work.resolve("providers"));
        LOG.info("log files of this monitor are kept in {}", logs);
    }

    private static void deleteRecursively(Path root) {
        try {
            Directories.deleteRecursively(root);
        } catch (IOException e) {
            LOG.warn("could not delete the monitor's work directory {}: {}", root, e.toString());
        }
    }
}
