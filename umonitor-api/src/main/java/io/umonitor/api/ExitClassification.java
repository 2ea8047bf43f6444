package io.umonitor.api;

/**
 * Why a unikernel ended, in the terms an operator acts on.
 *
 * @since 0.1
 */
public enum ExitClassification {
    /** Exit code 0 (or the backend's equivalent of a normal halt). */
    NORMAL,
    /** A non-zero exit the application chose (error exit, uncaught exception, argument error). */
    FAILURE,
    /** Abort, trap, panic, or a fatal signal raised by the guest itself. */
    CRASH,
    /** Killed from outside by a signal umonitor did not send. */
    KILLED,
    /** Stopped by umonitor on request. */
    STOPPED,
    /** The tender, hypervisor or launcher failed (bad configuration, missing device), not the guest. */
    LAUNCHER_ERROR
}
