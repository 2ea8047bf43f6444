package io.umonitor.api.spi;

import io.umonitor.api.UmonitorException;

/**
 * A sink could not store records it had already accepted (e.g. a buffer that failed to reach a full
 * disk). Sinks throw it from {@link LogSink#accept} or {@link LogSink#flush} so that the monitor counts
 * every lost record against its unikernel, not just one per failure; any other exception counts as one
 * record.
 *
 * <p>Stable SPI: in {@code api.spi} because sink authors throw it, so a sink needs only this module.
 *
 * @since 0.1
 */
public class RecordsLostException extends UmonitorException {
    private final String unikernel;
    private final long records;

    /**
     * @param unikernel whose records were lost
     * @param records how many (at least 1)
     * @param message what failed and how many records it cost
     * @param cause the underlying error, or null
     */
    public RecordsLostException(String unikernel, long records, String message, Throwable cause) {
        super(message, cause);
        this.unikernel = unikernel;
        this.records = Math.max(1, records);
    }

    /** The unikernel whose records were lost. */
    public String unikernel() {
        return unikernel;
    }

    /** How many records were lost, at least 1. */
    public long records() {
        return records;
    }
}
