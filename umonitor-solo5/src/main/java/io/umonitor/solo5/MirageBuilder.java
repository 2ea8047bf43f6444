package io.umonitor.solo5;

import io.umonitor.api.BackendUnavailableException;
import io.umonitor.api.ConfigurationException;
import io.umonitor.api.LaunchException;
import io.umonitor.api.LogLevel;
import io.umonitor.api.LogOrigin;
import io.umonitor.api.LogRecord;
import io.umonitor.api.Names;
import io.umonitor.api.spi.GuestOutput;
import io.umonitor.kit.host.Directories;
import io.umonitor.kit.host.Executables;
import io.umonitor.kit.process.ToolRunner;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * Builds a MirageOS unikernel for a Solo5 target from its source directory: {@code mirage configure -t
 * TARGET}, {@code make depend}, {@code make build}, then takes {@code dist/*.TARGET}. The output of every
 * step becomes {@link LogOrigin#MONITOR} records of the unikernel (logger {@code mirage-build}; stderr
 * lines at WARN), so a build is in the same log as the runs it produces.
 *
 * <p>Builds are reused by content: the sources are hashed (SHA-256 over every file's relative path and
 * bytes, without the directories and files mirage generates: {@code _build/}, {@code dist/},
 * {@code mirage/}, {@code duniverse/}, {@code .git/}, {@code _opam/}, {@code Makefile},
 * {@code dune.build}, {@code dune.config}, {@code dune-workspace}), and a build of the same sources for the
 * same target is taken from the cache directory without running anything. Each build runs in a copy of
 * the sources inside the cache, so the source directory is never modified.
 *
 * <p>Needs {@code mirage}, {@code opam} and {@code make} on the search path (by default {@code PATH});
 * when one is missing, {@link #build} throws {@link BackendUnavailableException} naming every missing
 * tool and how to install it. Thread-safe: concurrent builds of the same sources wait for each other.
 *
 * @since 0.1
 */
public final class MirageBuilder {

    /** The outcome of a build. */
    public record Result(Path image, String sourceHash, boolean reused) {
    }

    private static final Set<String> GENERATED_DIRECTORIES = Set.of("_build", "dist", "mirage", "duniverse", ".git",
            "_opam");
    private static final Set<String> GENERATED_FILES = Set.of("Makefile", "dune.build", "dune.config",
            "dune-workspace");
    private static final String LOGGER = "mirage-build";
    private static final int FAILURE_LINES = 20;
    /** Bumped when the build recipe changes, so older cached builds are not reused. */
    private static final String RECIPE = "mirage-configure-make-depend-build/1";
    private static final ConcurrentHashMap<Path, Object> LOCKS = new ConcurrentHashMap<>();

    private final Path cacheDirectory;
    private final String searchPath;
    private final Duration stepTimeout;

    private MirageBuilder(Path cacheDirectory, String searchPath, Duration stepTimeout) {
        this.cacheDirectory = cacheDirectory;
        this.searchPath = searchPath;
        this.stepTimeout = stepTimeout;
    }

    /** A builder keeping its builds under {@code cacheDirectory} (created when missing), using {@code PATH}. */
    public static MirageBuilder create(Path cacheDirectory) {
        return new MirageBuilder(Objects.requireNonNull(cacheDirectory, "cacheDirectory"),
                Objects.requireNonNullElse(System.getenv("PATH"), ""), Duration.ofMinutes(30));
    }

    /** The same builder looking for its tools in {@code path} (a PATH-style list) instead of {@code PATH}. */
    public MirageBuilder withSearchPath(String path) {
        return new MirageBuilder(cacheDirectory, Objects.requireNonNull(path, "path"), stepTimeout);
    }

    /** The same builder allowing each step {@code timeout} (default 30 minutes; opam downloads in make depend). */
    public MirageBuilder withStepTimeout(Duration timeout) {
        return new MirageBuilder(cacheDirectory, searchPath, Objects.requireNonNull(timeout, "timeout"));
    }

    /**
     * Builds (or reuses) the unikernel in {@code sourceDirectory} for {@code target} ({@code hvt} or
     * {@code spt}).
     *
     * @param unikernel the unikernel the build output records belong to
     * @param records receives the build output as records, on the builder's reader threads
     * @throws ConfigurationException for a bad target, unikernel name or source directory
     * @throws BackendUnavailableException naming every missing tool (mirage, opam, make) and the fix
     * @throws LaunchException when a step fails, with its exit code and last output lines
     */
    public Result build(String unikernel, Path sourceDirectory, String target, Consumer<LogRecord> records) {
        Names.requireValidUnikernelName(unikernel);
        Tender tender = Tender.fromTarget(Objects.requireNonNull(target, "target")).orElseThrow(() ->
                new ConfigurationException("MirageOS target '" + target + "' is not a Solo5 target umonitor runs: "
                        + "use hvt or spt"));
        if (!Files.isRegularFile(sourceDirectory.resolve("config.ml"))) {
            throw new ConfigurationException("source directory " + sourceDirectory + " of unikernel '" + unikernel
                    + "' has no config.ml: give the directory of a MirageOS unikernel (where mirage configure runs)");
        }
        List<Path> tools = requireTools();
        String hash = sourceHash(sourceDirectory, tender);
        Path buildDirectory = cacheDirectory.resolve(hash.substring(0, 16) + "-" + tender.target());
        Object lock = LOCKS.computeIfAbsent(buildDirectory.toAbsolutePath().normalize(), k -> new Object());
        synchronized (lock) {
            Path result = buildDirectory.resolve("result");
            try {
                Path cached = findImage(result, tender);
                if (cached != null) {
                    records.accept(record(unikernel, LogLevel.INFO, "reusing the build of sources "
                            + hash.substring(0, 16) + " for " + tender.target() + ": " + cached));
                    return new Result(cached, hash, true);
                }
                Directories.deleteRecursively(buildDirectory);
                Path work = Files.createDirectories(buildDirectory.resolve("src"));
                copySources(sourceDirectory, work);
                records.accept(record(unikernel, LogLevel.INFO, "building " + sourceDirectory + " (sources "
                        + hash.substring(0, 16) + ") for " + tender.target() + " in " + work));
                step(unikernel, work, records, tools.get(0).toString(), "configure", "-t", tender.target());
                step(unikernel, work, records, tools.get(2).toString(), "depend");
                step(unikernel, work, records, tools.get(2).toString(), "build");
                Path built = findImage(work.resolve("dist"), tender);
                if (built == null) {
                    throw new LaunchException("the MirageOS build of unikernel '" + unikernel + "' in " + work
                            + " succeeded but left no dist/*." + tender.target() + ": check that config.ml "
                            + "registers a unikernel and that mirage is version 4 or later");
                }
                Path staging = Files.createDirectories(buildDirectory.resolve("result.tmp"));
                Files.copy(built, staging.resolve(built.getFileName()), StandardCopyOption.REPLACE_EXISTING,
                        StandardCopyOption.COPY_ATTRIBUTES);
                // The result directory appears complete or not at all, so a crash never leaves a half image.
                Files.move(staging, result, StandardCopyOption.ATOMIC_MOVE);
                Path image = result.resolve(built.getFileName());
                records.accept(record(unikernel, LogLevel.INFO, "built " + image));
                return new Result(image, hash, false);
            } catch (IOException e) {
                throw new LaunchException("the MirageOS build of unikernel '" + unikernel + "' failed: "
                        + e.getMessage() + ": check that " + cacheDirectory + " is writable", e);
            }
        }
    }

    /** The content hash of {@code sourceDirectory} as a build for {@code target} (lower-case hex SHA-256). */
    String sourceHash(Path sourceDirectory, Tender target) {
        try {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            digest.update((RECIPE + "\0" + target.target() + "\0").getBytes(StandardCharsets.UTF_8));
            for (Path file : sourceFiles(sourceDirectory)) {
                String relative = sourceDirectory.relativize(file).toString().replace(File.separatorChar, '/');
                digest.update(relative.getBytes(StandardCharsets.UTF_8));
                digest.update((byte) 0);
                byte[] content = Files.readAllBytes(file);
                digest.update(Long.toString(content.length).getBytes(StandardCharsets.UTF_8));
                digest.update((byte) 0);
                digest.update(content);
            }
            return HexFormat.of().formatHex(digest.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every Java platform", e);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the sources in " + sourceDirectory, e);
        }
    }

    /** The tools, in the order mirage, opam, make. */
    private List<Path> requireTools() {
        List<String> missing = new ArrayList<>();
        List<Path> found = new ArrayList<>();
        for (String tool : List.of("mirage", "opam", "make")) {
            Path path = onSearchPath(tool);
            if (path == null) {
                missing.add(tool);
            }
            found.add(path);
        }
        if (!missing.isEmpty()) {
            List<String> fixes = new ArrayList<>();
            if (missing.contains("opam")) {
                fixes.add("install opam (apt-get install opam; opam init)");
            }
            if (missing.contains("mirage")) {
                fixes.add("install the mirage tool (opam install 'mirage>=4'; eval $(opam env))");
            }
            if (missing.contains("make")) {
                fixes.add("install make (apt-get install make)");
            }
            throw new BackendUnavailableException("cannot build MirageOS unikernels: " + String.join(", ", missing)
                    + " not found on the search path (" + (searchPath.isEmpty() ? "empty" : searchPath) + "): "
                    + String.join(", then ", fixes));
        }
        return found;
    }

    private Path onSearchPath(String tool) {
        return Executables.find(tool, Executables.pathDirectories(searchPath)).orElse(null);
    }

    private void step(String unikernel, Path work, Consumer<LogRecord> records, String... command) throws IOException {
        String display = Path.of(command[0]).getFileName() + " " + String.join(" ", List.of(command).subList(1,
                command.length));
        records.accept(record(unikernel, LogLevel.INFO, "$ " + display));
        Deque<String> last = new ArrayDeque<>();
        ToolRunner.Result result = ToolRunner.run(List.of(command), work, stepTimeout, (stream, line) -> {
            synchronized (last) {
                last.addLast(line);
                if (last.size() > FAILURE_LINES) {
                    last.removeFirst();
                }
            }
            records.accept(record(unikernel, stream == GuestOutput.Stream.STDERR ? LogLevel.WARN : LogLevel.INFO,
                    line));
        });
        if (result.exitCode() != 0) {
            String tail;
            synchronized (last) {
                tail = String.join("\n", last);
            }
            records.accept(record(unikernel, LogLevel.ERROR, "'" + display + "' failed with exit code "
                    + result.exitCode()));
            throw new LaunchException("the MirageOS build of unikernel '" + unikernel + "' failed at '" + display
                    + "' (exit code " + result.exitCode() + ") in " + work + "; last output:\n" + tail);
        }
    }

    private static LogRecord record(String unikernel, LogLevel level, String message) {
        return LogRecord.simple(unikernel, LogOrigin.MONITOR, level, LOGGER, message);
    }

    private static Path findImage(Path directory, Tender tender) throws IOException {
        if (!Files.isDirectory(directory)) {
            return null;
        }
        try (DirectoryStream<Path> images = Files.newDirectoryStream(directory, "*." + tender.target())) {
            for (Path image : images) {
                if (Files.isRegularFile(image)) {
                    return image;
                }
            }
        }
        return null;
    }

    private static List<Path> sourceFiles(Path sourceDirectory) throws IOException {
        List<Path> files = new ArrayList<>();
        Files.walkFileTree(sourceDirectory, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) {
                return !dir.equals(sourceDirectory) && GENERATED_DIRECTORIES.contains(dir.getFileName().toString())
                        ? FileVisitResult.SKIP_SUBTREE : FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
                if (attrs.isRegularFile() && !GENERATED_FILES.contains(file.getFileName().toString())) {
                    files.add(file);
                }
                return FileVisitResult.CONTINUE;
            }
        });
        files.sort(null);
        return files;
    }

    private static void copySources(Path from, Path to) throws IOException {
        for (Path file : sourceFiles(from)) {
            Path target = to.resolve(from.relativize(file).toString());
            Files.createDirectories(target.getParent());
            try (InputStream in = Files.newInputStream(file)) {
                Files.copy(in, target);
            }
        }
    }
}
