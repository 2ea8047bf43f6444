package io.umonitor.api;

import java.time.Duration;
import java.util.Objects;

/**
 * Whether and how umonitor restarts a unikernel that ends. Restarts keep one log history.
 *
 * @param mode when to restart
 * @param maxRestarts how many restarts at most (ignored for {@link Mode#NEVER})
 * @param initialBackoff delay before the first restart; doubled after each, up to {@code maxBackoff}
 * @param maxBackoff the longest delay between restarts
 * @since 0.1
 */
public record RestartPolicy(Mode mode, int maxRestarts, Duration initialBackoff, Duration maxBackoff) {

    public enum Mode {
        /** Never restart. */
        NEVER,
        /** Restart when the unikernel exits with a failure or crashes; not after a normal exit or a stop. */
        ON_FAILURE
    }

    public static final RestartPolicy NEVER = new RestartPolicy(Mode.NEVER, 0, Duration.ZERO, Duration.ZERO);

    public RestartPolicy {
        Objects.requireNonNull(mode, "mode");
        Objects.requireNonNull(initialBackoff, "initialBackoff");
        Objects.requireNonNull(maxBackoff, "maxBackoff");
        if (maxRestarts < 0) {
            throw new ConfigurationException("restart policy maxRestarts is " + maxRestarts + ": use 0 or more");
        }
        if (initialBackoff.isNegative() || maxBackoff.compareTo(initialBackoff) < 0) {
            throw new ConfigurationException("restart policy backoff " + initialBackoff + ".." + maxBackoff
                    + " is invalid: use 0 <= initialBackoff <= maxBackoff");
        }
    }

    public static RestartPolicy onFailure(int maxRestarts, Duration initialBackoff, Duration maxBackoff) {
        return new RestartPolicy(Mode.ON_FAILURE, maxRestarts, initialBackoff, maxBackoff);
    }

    /** The delay before restart number {@code attempt} (1-based). */
    public Duration backoffBefore(int attempt) {
        Duration d = initialBackoff;
        for (int i = 1; i < attempt && d.compareTo(maxBackoff) < 0; i++) {
            d = d.multipliedBy(2);
        }
        return d.compareTo(maxBackoff) > 0 ? maxBackoff : d;
    }
}
