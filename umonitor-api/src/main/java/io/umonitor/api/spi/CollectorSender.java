package io.umonitor.api.spi;

import io.umonitor.api.LaunchIdentity;
import io.umonitor.api.LogRecord;

/**
 * One sender's accounting, as a {@link CollectorExtension} sees it: its history, its counters and its rate
 * limit ({@code log.senderRateLimit}). Thread-safe.
 *
 * @since 0.1
 */
public interface CollectorSender {

    /** The unikernel or attached sender's name. */
    String name();

    /**
     * The run this sender's records come from now (put it on each record with {@link LogRecord#withLaunch});
     * {@link LaunchIdentity#NONE} for an attached sender.
     */
    LaunchIdentity launch();

    /** Takes one record from the rate limit without waiting: false when over it (drop and count the record). */
    boolean tryAdmit();

    /** Takes one record from the rate limit: how long to wait before handing it over, 0 when under the limit. */
    long admitDelayNanos();

    /** Counts records received from this sender (dropped ones included). */
    void received(long n);

    /** Counts records of this sender dropped before they reached the history. */
    void dropped(long n);

    /** Appends an accepted record to the sender's history; then {@link CollectorInput#dispatch} it. */
    void append(LogRecord record);
}
