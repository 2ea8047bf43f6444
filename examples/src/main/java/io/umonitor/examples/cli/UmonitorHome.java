package io.umonitor.examples.cli;

import java.nio.file.Path;

/**
 * Where the command line keeps its files: {@code $UMONITOR_HOME}, else {@code $XDG_STATE_HOME/umonitor},
 * else {@code ~/.local/state/umonitor}. Logs go to {@code logs/}, provider state (tap records) to
 * {@code state/}, control sockets of running commands to {@code control/}.
 */
record UmonitorHome(Path root) {

    static UmonitorHome resolve(Path override) {
        if (override != null) {
            return new UmonitorHome(override.toAbsolutePath());
        }
        String env = System.getenv("UMONITOR_HOME");
        if (env != null && !env.isBlank()) {
            return new UmonitorHome(Path.of(env).toAbsolutePath());
        }
        String xdg = System.getenv("XDG_STATE_HOME");
        Path base = xdg != null && !xdg.isBlank() ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".local", "state");
        return new UmonitorHome(base.resolve("umonitor").toAbsolutePath());
    }

    Path logs() {
        return root.resolve("logs");
    }

    Path state() {
        return root.resolve("state");
    }

    Path control() {
        return root.resolve("control");
    }
}
