package io.umonitor.core.sink;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.umonitor.api.spi.LogSink;
import io.umonitor.testkit.LogSinkContract;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/**
 * The file sink (text format) against the sink contract. As root the log directory is a 4 MiB tmpfs,
 * and a full disk is that tmpfs filled up by another file (freed again to repair it); without root the
 * failure test is skipped with the reason.
 */
class FileSinkContractTest extends LogSinkContract {

    private boolean mounted;

    private Path directory() {
        return testDirectory.resolve("logs");
    }

    @BeforeEach
    void mountSmallFileSystem() throws Exception {
        Files.createDirectories(directory());
        mounted = run("mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", directory().toString()) == 0;
    }

    @AfterEach
    void unmount() throws Exception {
        if (mounted) {
            run("umount", "-l", directory().toString());
        }
    }

    private static int run(String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        p.getInputStream().readAllBytes();
        return p.waitFor(30, TimeUnit.SECONDS) ? p.exitValue() : -1;
    }

    @Override
    protected LogSink createSink() {
        return new FileSink();
    }

    @Override
    protected Map<String, String> settings() {
        return Map.of("directory", directory().toString());
    }

    @Override
    protected List<String> stored(String unikernel) throws Exception {
        Path file = directory().resolve(unikernel + ".log");
        return Files.exists(file) ? Files.readAllLines(file) : List.of();
    }

    @Override
    protected Optional<Runnable> breakStorage(LogSink sink) throws Exception {
        assumeTrue(mounted, "a full disk needs a small tmpfs, and mounting one needs root (run the tests as root, or in CI)");
        Path filler = directory().resolve("filler");
        try (OutputStream out = Files.newOutputStream(filler)) {
            byte[] block = new byte[64 * 1024];
            while (true) {
                out.write(block);
            }
        } catch (IOException full) {
            // the file system is full now
        }
        return Optional.of(() -> {
            try {
                Files.delete(filler);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
    }
}
