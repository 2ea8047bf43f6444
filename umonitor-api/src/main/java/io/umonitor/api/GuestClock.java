package io.umonitor.api;

/**
 * Which clock a guest used for a record's own timestamp.
 *
 * @since 0.1
 */
public enum GuestClock {
    /** The record carries no guest timestamp (console text, monitor events). */
    NONE,
    /** Nanoseconds since the Unix epoch, by the guest's wall clock. */
    WALL,
    /** Nanoseconds since the guest booted; only differences between records are meaningful. */
    MONOTONIC
}
