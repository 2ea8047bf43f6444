package io.umonitor.api;

/**
 * Where a log record came from.
 *
 * @since 0.1
 */
public enum LogOrigin {
    /** Sent by the unikernel's log client over a TCP connection. */
    TCP,
    /** Sent by the unikernel's log client as a UDP datagram. */
    UDP,
    /** A line the unikernel wrote to its console (plain text, or a record in the console encoding). */
    CONSOLE,
    /** Written by umonitor itself about the unikernel: launched, exited, restarted, records lost. */
    MONITOR,
    /**
     * A syslog message (RFC 5424 or RFC 3164) received over UDP, TCP or TLS and attributed to the unikernel
     * by its source address or, where the operator allows it, by its HOSTNAME or APP-NAME.
     *
     * @since 0.2
     */
    SYSLOG
}
