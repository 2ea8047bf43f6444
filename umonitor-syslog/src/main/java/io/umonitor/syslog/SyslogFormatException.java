package io.umonitor.syslog;

import io.umonitor.api.ProtocolException;

/**
 * Bytes that do not form a syslog message or frame: a bad PRI, an RFC 5424 header field out of its
 * grammar, a frame over the length limit. The receiver drops the one datagram, or closes the one
 * connection, that carried them, counts the rejection and carries on.
 */
public class SyslogFormatException extends ProtocolException {
    private final boolean tooLong;

    public SyslogFormatException(String message) {
        this(message, false);
    }

    private SyslogFormatException(String message, boolean tooLong) {
        super(message);
        this.tooLong = tooLong;
    }

    /** A message or frame longer than the receiver's limit, detected before it was buffered. */
    public static SyslogFormatException tooLong(String message) {
        return new SyslogFormatException(message, true);
    }

    public boolean isTooLong() {
        return tooLong;
    }
}
