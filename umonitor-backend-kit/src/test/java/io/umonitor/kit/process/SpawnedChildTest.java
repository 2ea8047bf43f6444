package io.umonitor.kit.process;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.umonitor.api.LaunchException;
import io.umonitor.kit.process.SupervisedProcessTest.Lines;
import java.io.FileInputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The two ways a process gets its own session: posix_spawn with POSIX_SPAWN_SETSID through JNA (the default)
 * and the JDK with the setsid program (where the first cannot be used). Both must give the guest the same
 * world: its own session and group, stdin at end of file, no descriptor of this JVM, the JDK's exit values.
 */
@Timeout(60)
class SpawnedChildTest {

    private static final Path SH = Path.of("/bin/sh");
    private static final Duration WAIT = Duration.ofSeconds(20);

    @TempDir
    Path dir;

    @BeforeEach
    void posixSpawnIsUsableHere() {
        assumeTrue(SpawnedChild.available(), "posix_spawn through JNA is not usable on this host "
                + "(not Linux, no JNA native library or a libc without posix_spawn_file_actions_addclosefrom_np)");
    }

    private static SupervisedProcess sh(boolean spawnDirectly, String script, Lines lines) {
        return SupervisedProcess.builder(SH).spawnDirectly(spawnDirectly).argument("-c").argument(script)
                .output(lines).start();
    }

    private static ProcessExit exitOf(SupervisedProcess p) throws Exception {
        return p.exit().get(WAIT.toSeconds(), TimeUnit.SECONDS);
    }

    @ParameterizedTest(name = "spawnDirectly={0}")
    @ValueSource(booleans = {true, false})
    void eitherWayTheGuestLeadsASessionOfItsOwnAndReadsEndOfFileOnStdin(boolean spawnDirectly) throws Exception {
        Lines lines = new Lines();
        SupervisedProcess p = sh(spawnDirectly, "if read x; then echo got \"$x\"; else echo eof; fi; "
                + "echo stdin $(readlink /proc/$$/fd/0); echo ready; exec sleep 30", lines);
        try {
            lines.await("ready"::equals);
            assertTrue(p.ownSession());
            assertEquals(p.pid(), ProcessGroup.processGroupOf(p.pid()).orElseThrow(), "leads its process group");
            assertEquals(p.pid(), ProcessGroup.sessionOf(p.pid()).orElseThrow(), "leads its session");
            assertEquals("eof", lines.stdout.get(0), lines.stdout.toString());
            // posix_spawn opens /dev/null; the JDK gives a pipe whose other end is already closed.
            String stdin = lines.stdout.get(1);
            assertTrue(spawnDirectly ? stdin.equals("stdin /dev/null") : stdin.startsWith("stdin pipe:"), stdin);
        } finally {
            p.kill();
        }
        assertEquals(Signals.SIGKILL, exitOf(p).signal());
    }

    @ParameterizedTest(name = "spawnDirectly={0}")
    @ValueSource(booleans = {true, false})
    void exitValuesAreTheJdksCodeOr128PlusTheSignal(boolean spawnDirectly) throws Exception {
        assertEquals(7, exitOf(sh(spawnDirectly, "exit 7", new Lines())).exitValue());
        assertEquals(0, exitOf(sh(spawnDirectly, "true", new Lines())).exitValue());
        ProcessExit segv = exitOf(sh(spawnDirectly, "kill -SEGV $$", new Lines()));
        assertEquals(128 + Signals.SIGSEGV, segv.exitValue());
        assertEquals(Signals.SIGSEGV, segv.signal());
    }

    @Test
    void noDescriptorOfThisJvmReachesTheGuest() throws Exception {
        // Descriptors the JVM holds while it launches: a file and a listening socket (a collector's, say).
        try (FileInputStream file = new FileInputStream("/proc/self/status");
                ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            Lines lines = new Lines();
            SupervisedProcess p = SupervisedProcess.builder(Path.of("/bin/ls")).arguments(List.of("-l", "/proc/self/fd/"))
                    .output(lines).start();
            assertEquals(0, exitOf(p).exitValue());
            List<String> others = new ArrayList<>();
            for (String line : lines.stdout) {
                // "lr-x------ 1 u u 64 Dec 3 15:00 3 -> /proc/1234/fd": descriptor 3 is ls reading the directory.
                int arrow = line.indexOf(" -> ");
                if (arrow < 0) {
                    continue;
                }
                String fd = line.substring(line.lastIndexOf(' ', arrow - 1) + 1, arrow);
                String target = line.substring(arrow + 4);
                if (!List.of("0", "1", "2").contains(fd) && !target.matches("/proc/\\d+/fd")) {
                    others.add(fd + " -> " + target);
                }
            }
            assertEquals(List.of(), others, "descriptors the guest inherited besides stdin, stdout, stderr: "
                    + lines.stdout);
            assertTrue(lines.stdout.size() >= 4, "ls listed its descriptors: " + lines.stdout);
        }
    }

    @Test
    void aFileWithoutShebangThatIsNotElfStillRunsThroughTheShellInItsOwnSession() throws Exception {
        Path script = dir.resolve("no-shebang");
        Files.writeString(script, "echo pgid $(cut -d' ' -f5 /proc/$$/stat) pid $$\n");
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwx------"));
        Lines lines = new Lines();
        SupervisedProcess p = SupervisedProcess.builder(script).output(lines).start();
        assertEquals(0, exitOf(p).exitValue());
        assertEquals("pgid " + p.pid() + " pid " + p.pid(), lines.stdout.get(0));
        assertTrue(p.ownSession());
    }

    @Test
    void aMissingWorkingDirectoryIsALaunchExceptionNamingIt() {
        Path missing = dir.resolve("no-such-dir");
        LaunchException e = assertThrows(LaunchException.class, () -> SupervisedProcess.builder(SH)
                .argument("-c").argument("true").workingDirectory(missing).start());
        assertTrue(e.getMessage().contains(missing.toString()), e.getMessage());
    }

    @Test
    void theGuestStartsInItsWorkingDirectoryWithExactlyTheEnvironmentGiven() throws Exception {
        Lines lines = new Lines();
        SupervisedProcess p = SupervisedProcess.builder(SH).arguments(List.of("-c", "pwd; env | sort"))
                .inheritEnvironment(false).environment("PATH", "/usr/bin:/bin").environment("UMT_ONE", "a b=c").workingDirectory(dir).output(lines).start();
        assertEquals(0, exitOf(p).exitValue());
        assertEquals(dir.toRealPath().toString(), lines.stdout.get(0));
        assertTrue(lines.stdout.contains("UMT_ONE=a b=c"), lines.stdout.toString());
        assertFalse(lines.stdout.stream().anyMatch(l -> l.startsWith("HOME=")), lines.stdout.toString());
    }
}
