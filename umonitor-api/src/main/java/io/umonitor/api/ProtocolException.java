package io.umonitor.api;

/**
 * Bytes received from a unikernel do not form a valid log protocol v1 frame or record. The codec
 * throws specific subtypes (corrupt frame, frame too long, unsupported version); a receiver closes
 * the one connection (or drops the one datagram or console line) that carried them and carries on.
 *
 * @since 0.1
 */
public class ProtocolException extends UmonitorException {
    public ProtocolException(String message) {
        super(message);
    }

    public ProtocolException(String message, Throwable cause) {
        super(message, cause);
    }
}
