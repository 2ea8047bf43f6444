package io.umonitor.api;

/**
 * Lifecycle state of a launched unikernel. A restart moves an EXITED unikernel back to STARTING.
 *
 * @since 0.1
 */
public enum UnikernelState {
    /** Launched; the backend has not yet reported that the application runs. */
    STARTING,
    /** The application runs. */
    RUNNING,
    /** Ended on its own (see {@link ExitInfo}); may still be restarted by its restart policy. */
    EXITED,
    /** Stopped on request (by the platform or because the monitor closed). */
    STOPPED;

    public boolean isTerminal() {
        return this == EXITED || this == STOPPED;
    }
}
