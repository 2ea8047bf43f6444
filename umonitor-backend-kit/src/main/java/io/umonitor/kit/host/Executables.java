package io.umonitor.kit.host;

import io.umonitor.api.BackendUnavailableException;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Finds executables the way a backend needs them: in its own home directories first (a tender's build
 * tree, an install prefix), then on {@code PATH}, then in the system directories a non-root
 * {@code PATH} often lacks ({@code ip} lives in {@code /usr/sbin} on Debian). Looks only; starts nothing.
 *
 * @since 0.1
 */
public final class Executables {

    /** Searched after {@code PATH}: where Debian keeps {@code ip}, {@code setsid}, {@code taskset}. */
    public static final List<Path> SYSTEM_DIRECTORIES = List.of(Path.of("/usr/local/sbin"), Path.of("/usr/local/bin"),
            Path.of("/usr/sbin"), Path.of("/usr/bin"), Path.of("/sbin"), Path.of("/bin"));

    private Executables() {
    }

    /**
     * {@code nameOrPath} itself when it contains a slash (if it is an executable file), else the first
     * match on this process's {@code PATH}, then in {@link #SYSTEM_DIRECTORIES}.
     */
    public static Optional<Path> find(String nameOrPath) {
        if (nameOrPath.contains("/")) {
            Path path = Path.of(nameOrPath);
            return isExecutableFile(path) ? Optional.of(path) : Optional.empty();
        }
        List<Path> directories = new ArrayList<>(pathDirectories(System.getenv("PATH")));
        directories.addAll(SYSTEM_DIRECTORIES);
        return find(nameOrPath, directories);
    }

    /** The first executable file {@code name} in {@code directories}, in order, as an absolute path. */
    public static Optional<Path> find(String name, List<Path> directories) {
        for (Path directory : directories) {
            Path candidate = directory.resolve(name);
            if (isExecutableFile(candidate)) {
                return Optional.of(candidate.toAbsolutePath());
            }
        }
        return Optional.empty();
    }

    /** The directories of a {@code PATH}-style list, empty entries left out; null gives none. */
    public static List<Path> pathDirectories(String pathVariable) {
        List<Path> directories = new ArrayList<>();
        if (pathVariable != null) {
            for (String entry : pathVariable.split(File.pathSeparator)) {
                if (!entry.isBlank()) {
                    directories.add(Path.of(entry));
                }
            }
        }
        return directories;
    }

    /**
     * Like {@link #find(String)}, for a tool a launch cannot do without.
     *
     * @param neededTo what the tool is for, e.g. "run the tender in the taps' network namespace"
     * @param install how to get it, e.g. "install iproute2"
     * @throws BackendUnavailableException with the sentence of {@link #missing}
     */
    public static Path require(String nameOrPath, String neededTo, String install) {
        return find(nameOrPath).orElseThrow(() -> new BackendUnavailableException(notFound(nameOrPath, neededTo,
                install)));
    }

    /**
     * Empty when {@link #find(String)} finds the tool, else the sentence a backend's
     * {@code availability()} gives (the same as {@link #require}'s): "NAME not found on PATH or in
     * /usr/sbin, /sbin, needed to NEEDED: INSTALL".
     */
    public static Optional<String> missing(String nameOrPath, String neededTo, String install) {
        return find(nameOrPath).isPresent() ? Optional.empty() : Optional.of(notFound(nameOrPath, neededTo, install));
    }

    private static String notFound(String nameOrPath, String neededTo, String install) {
        return nameOrPath + " not found " + (nameOrPath.contains("/") ? "(or not executable)"
                : "on PATH or in /usr/sbin, /sbin") + ", needed to " + neededTo + ": " + install;
    }

    private static boolean isExecutableFile(Path path) {
        return Files.isRegularFile(path) && Files.isExecutable(path);
    }
}
