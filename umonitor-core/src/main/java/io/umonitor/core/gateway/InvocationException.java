package io.umonitor.core.gateway;

import io.umonitor.api.ExitInfo;
import io.umonitor.api.UmonitorException;
import java.util.Optional;

/**
 * Why an invocation (or waiting for a unikernel to connect) failed. The message says what happened and,
 * when the unikernel ended, its exit code and last console lines.
 *
 * @since 0.1
 */
public class InvocationException extends UmonitorException {
    private static final long serialVersionUID = 1L;

    /** What went wrong. */
    public enum Reason {
        /** The unikernel answered with an error; {@link #getMessage()} carries its text. */
        ERROR_REPLY,
        /** No reply came within the invocation's timeout. */
        TIMEOUT,
        /** The unikernel's connection closed (it may reconnect). */
        DISCONNECTED,
        /** The unikernel ended; {@link #exitInfo()} says how. */
        EXITED,
        /** The unikernel is not connected to the gateway now. */
        NOT_CONNECTED,
        /** The monitor is closing. */
        CLOSED
    }

    private final Reason reason;
    private final transient ExitInfo exitInfo;

    public InvocationException(Reason reason, String message, ExitInfo exitInfo) {
        super(message);
        this.reason = reason;
        this.exitInfo = exitInfo;
    }

    public Reason reason() {
        return reason;
    }

    /** How the unikernel ended, for {@link Reason#EXITED}. */
    public Optional<ExitInfo> exitInfo() {
        return Optional.ofNullable(exitInfo);
    }
}
