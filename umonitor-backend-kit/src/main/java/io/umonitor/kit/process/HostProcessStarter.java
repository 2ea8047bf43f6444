package io.umonitor.kit.process;

import io.umonitor.api.LaunchException;
import io.umonitor.kit.host.Executables;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.commons.exec.CommandLine;
import org.apache.commons.exec.DefaultExecutor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Starts the host process of a {@link SupervisedProcess}, in a session of its own where asked: by posix_spawn
 * with {@code POSIX_SPAWN_SETSID} ({@link SpawnedChild}) where it can be called, else through the JDK and
 * util-linux's {@code setsid} program, else (no {@code setsid}) in the JVM's own group, with one warning.
 * Every way fails with the same {@link LaunchException}, naming the program and the fix.
 */
final class HostProcessStarter {
    private static final Logger LOG = LoggerFactory.getLogger(HostProcessStarter.class);
    private static final AtomicBoolean SETSID_WARNED = new AtomicBoolean();

    /**
     * Where setsid was found last, checked again on each use (one look instead of one per PATH entry: this
     * runs on every launch, before the fork).
     */
    private static volatile Path knownSetsid;

    /** The started process, and whether it got a session of its own. */
    record Started(HostProcess process, boolean ownSession) {
    }

    private final Path executable;
    private final List<String> arguments;
    private final Map<String, String> environment;
    private final Path workingDirectory;
    private final String label;

    /**
     * @param environment exactly the environment the process gets
     * @param workingDirectory null: this JVM's
     */
    HostProcessStarter(Path executable, List<String> arguments, Map<String, String> environment, Path workingDirectory,
            String label) {
        this.executable = executable;
        this.arguments = arguments;
        this.environment = environment;
        this.workingDirectory = workingDirectory;
        this.label = label;
    }

    /**
     * @param ownSession whether the process should lead a session of its own
     * @param spawnDirectly false: never posix_spawn, as where JNA is missing (for tests of that path)
     * @throws LaunchException when the process cannot be started
     */
    Started start(boolean ownSession, boolean spawnDirectly) {
        Path program = resolve();
        if (ownSession && spawnDirectly && SpawnedChild.available()) {
            try {
                return new Started(SpawnedChild.start(program.toAbsolutePath(), arguments, environment,
                        workingDirectory), true);
            } catch (SpawnedChild.SpawnException e) {
                if (e.errno() != SpawnedChild.ENOEXEC) {
                    throw cannotStart(e);
                }
                // Neither ELF nor #!: the setsid program's execvp runs it with /bin/sh, as a shell would.
                LOG.debug("{}: not an executable format for posix_spawn, starting it through setsid", label);
            } catch (IOException | RuntimeException e) {
                throw cannotStart(e);
            }
        }
        Optional<Path> setsid = ownSession ? findSetsid() : Optional.empty();
        if (ownSession && setsid.isEmpty() && SETSID_WARNED.compareAndSet(false, true)) {
            LOG.warn("setsid (util-linux) not found: guests share this JVM's process group, so a terminal's "
                    + "Ctrl-C reaches them directly and what they leave running is not found: install util-linux");
        }
        return new Started(startThroughJdk(program, setsid), setsid.isPresent());
    }

    /** Through commons-exec and {@link ProcessBuilder}; through {@code setsid} for a session of its own. */
    private HostProcess startThroughJdk(Path program, Optional<Path> setsid) {
        CommandLine command = new CommandLine(setsid.orElse(program).toString());
        // setsid executes the program in place (no fork: a freshly spawned child never leads a group).
        setsid.ifPresent(s -> command.addArgument(program.toString(), false));
        // Without handleQuoting=false commons-exec wraps arguments containing spaces in quotes,
        // which a direct exec (no shell) would pass on literally.
        arguments.forEach(a -> command.addArgument(a, false));
        Process process;
        try {
            File dir = workingDirectory == null ? null : workingDirectory.toFile();
            process = new Launcher().start(command, environment, dir);
        } catch (IOException | RuntimeException e) {
            throw cannotStart(e);
        }
        try {
            process.getOutputStream().close();
        } catch (IOException e) {
            LOG.debug("{}: closing stdin failed", program, e);
        }
        return new HostProcess.Jdk(process);
    }

    private LaunchException cannotStart(Exception e) {
        return new LaunchException("could not start '" + executable + "' " + arguments + ": " + e.getMessage()
                + ": check that the file exists, is executable and that the working directory "
                + (workingDirectory == null ? "" : "'" + workingDirectory + "' ") + "exists", e);
    }

    private static Optional<Path> findSetsid() {
        Path known = knownSetsid;
        if (known != null && Files.isRegularFile(known) && Files.isExecutable(known)) {
            return Optional.of(known);
        }
        Optional<Path> found = Executables.find("setsid");
        knownSetsid = found.orElse(null);
        return found;
    }

    /**
     * The program as it will be executed: checked here, because once setsid has started, a missing program
     * is only an exit status and would not be the launch error that names it.
     */
    private Path resolve() {
        // A relative path with a slash is the child's to resolve, in its working directory.
        String text = workingDirectory != null && !executable.isAbsolute() && executable.toString().contains("/")
                ? workingDirectory.resolve(executable).toString() : executable.toString();
        Optional<Path> found = Executables.find(text);
        if (found.isEmpty()) {
            throw new LaunchException("could not start '" + executable + "': " + (text.contains("/")
                    ? (Files.exists(Path.of(text)) ? "it is not an executable file" : "no such file")
                    : "not found on PATH") + ": check that the file exists, is executable and that the working "
                    + "directory exists");
        }
        return text.contains("/") ? Path.of(text) : found.get();
    }

    /** Exposes commons-exec's launch, which gives the {@link Process} (pid, signals) its executor hides. */
    private static final class Launcher extends DefaultExecutor {
        Process start(CommandLine command, Map<String, String> env, File dir) throws IOException {
            return launch(command, env, dir);
        }
    }
}
