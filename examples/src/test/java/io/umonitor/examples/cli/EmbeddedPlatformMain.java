package io.umonitor.examples.cli;

import io.umonitor.api.LogFilter;
import io.umonitor.api.LogOrigin;
import io.umonitor.api.UnikernelSpec;
import io.umonitor.core.Monitor;
import java.nio.file.Path;

/**
 * A platform embedding the monitor with every default, as the README shows: run by {@link EmbeddingDefaultsIT}
 * in its own JVM, so that it sees the environment ($UMONITOR_HOME) a user's program would. Prints each of the
 * guest's console records with {@code System.out::println}.
 */
public final class EmbeddedPlatformMain {
    private EmbeddedPlatformMain() {
    }

    public static void main(String[] args) throws Exception {
        try (Monitor monitor = Monitor.builder().build()) {
            var guest = monitor.launch(UnikernelSpec.builder(args[0], Path.of("/bin/sh")).backend("process")
                    .argument("-c").argument("echo 'hello from the platform'; printf 'tab\\there\\n'").build());
            guest.termination().join();
            monitor.logs(args[0], LogFilter.ALL).stream().filter(r -> r.origin() == LogOrigin.CONSOLE)
                    .forEach(System.out::println);
        }
    }
}
