package io.umonitor.core.sink;

import io.umonitor.api.UmonitorException;

/**
 * A sink could not store records it had already accepted (e.g. a buffer that failed to reach a full
 * disk). Sinks throw it from {@code accept} or {@code flush} so that the monitor counts every lost
 * record against its unikernel, not just one per failure; any other exception counts as one record.
 *
 * @since 0.1
 */
public class RecordsLostException extends UmonitorException {
    private final String unikernel;
    private final long records;

    /**
     * @param unikernel whose records were lost
     * @param records how many (at least 1)
     */
    public RecordsLostException(String unikernel, long records, String message, Throwable cause) {
        super(message, cause);
        this.unikernel = unikernel;
        this.records = Math.max(1, records);
    }

    public String unikernel() {
        return unikernel;
    }

    public long records() {
        return records;
    }
}
