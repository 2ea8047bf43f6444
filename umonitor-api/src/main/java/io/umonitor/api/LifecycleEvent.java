package io.umonitor.api;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * A state change of one unikernel.
 *
 * @param unikernel the unikernel's name
 * @param state the new state
 * @param restarts how many times it has been restarted so far
 * @param exit how it ended, for EXITED and STOPPED; null otherwise
 * @param at when the change happened
 * @since 0.1
 */
public record LifecycleEvent(String unikernel, UnikernelState state, int restarts, ExitInfo exit, Instant at) {
    public LifecycleEvent {
        Objects.requireNonNull(unikernel, "unikernel");
        Objects.requireNonNull(state, "state");
        Objects.requireNonNull(at, "at");
    }

    public Optional<ExitInfo> exitInfo() {
        return Optional.ofNullable(exit);
    }
}
