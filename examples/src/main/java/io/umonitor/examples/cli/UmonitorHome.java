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
        // The same directory an embedding Monitor uses by default.
        return new UmonitorHome(io.umonitor.core.UmonitorHome.root());
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
