package io.umonitor.core;

import java.nio.file.Path;

/**
 * Where umonitor keeps its files unless told otherwise, shared by the {@code umonitor} command line and
 * every embedding {@link Monitor}: {@code $UMONITOR_HOME}, else {@code $XDG_STATE_HOME/umonitor}, else
 * {@code ~/.local/state/umonitor}. Log files go to {@code logs/} in it, provider state to {@code state/}.
 * So {@code umonitor logs NAME} reads what a platform's monitor wrote, and the other way round.
 *
 * @since 0.1
 */
public final class UmonitorHome {
    private UmonitorHome() {
    }

    /** The directory, from the environment as described above (absolute; not created here). */
    public static Path root() {
        String env = System.getenv("UMONITOR_HOME");
        if (env != null && !env.isBlank()) {
            return Path.of(env).toAbsolutePath();
        }
        String xdg = System.getenv("XDG_STATE_HOME");
        Path base = xdg != null && !xdg.isBlank() ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".local", "state");
        return base.resolve("umonitor").toAbsolutePath();
    }

    /** Where the file sink writes by default: {@code logs/} under {@link #root()}. */
    public static Path logs() {
        return root().resolve("logs");
    }

    /** Where providers keep state by default: {@code state/} under {@link #root()}. */
    public static Path state() {
        return root().resolve("state");
    }
}
