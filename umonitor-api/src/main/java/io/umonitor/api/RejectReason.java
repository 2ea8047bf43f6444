package io.umonitor.api;

/**
 * Why umonitor refused input it could attribute to a unikernel: a short, stable code, counted per
 * unikernel ({@link LogStats#rejectedByReason()}) and used as the {@code reason} tag of the
 * {@code umonitor.records.rejected} meter. Codes are only ever added, never renamed.
 *
 * @since 0.2
 */
public enum RejectReason {
    /** A frame whose bytes do not decode (PROTOCOL.md section 6); the connection or datagram is refused. */
    CORRUPT_FRAME,
    /** A frame longer than the collector's limit (PROTOCOL.md section 6). */
    FRAME_TOO_LONG,
    /** A frame of a protocol version this monitor does not speak (PROTOCOL.md section 6). */
    UNSUPPORTED_VERSION,
    /** A frame out of place, e.g. a record before the HELLO (PROTOCOL.md section 6). */
    UNEXPECTED_FRAME,
    /** A connection or datagram that ended in the middle of a frame (PROTOCOL.md section 6). */
    TRUNCATED,
    /** A HELLO naming the unikernel with a token other than the one its launch handed it. */
    WRONG_TOKEN,
    /** The unikernel's own token in a HELLO of a second session: the token is bound to the first (a copy?). */
    TOKEN_BOUND,
    /** A HELLO naming a unikernel that is stopped (no launch holds the name now). */
    NOT_RUNNING,
    /** A TCP connection refused because attached senders already hold their share of connections. */
    CONNECTION_SHARE,
    /** A console line that looked console-encoded but did not decode; it is kept as plain text. */
    CONSOLE_LINE,
    /** A syslog message or frame out of the RFC 5424/3164/6587 grammar. */
    SYSLOG_MALFORMED,
    /** A syslog message or frame over {@code syslog.maxMessageLength}. */
    SYSLOG_TOO_LONG,
    /** A syslog TLS connection whose handshake failed. */
    TLS_HANDSHAKE,
    /** Anything else: a collector's own failure on the input, or an extension that gives no reason code. */
    OTHER
}
