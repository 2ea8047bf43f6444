package io.umonitor.core.sink;

/**
 * What {@link FileSink} throws when records it accepted could not reach their file: the SPI's
 * {@link io.umonitor.api.spi.RecordsLostException}, which every sink may throw and the monitor counts.
 * Catch the SPI type unless the file sink's failures are meant in particular.
 *
 * <p>Stable API.
 *
 * @since 0.1
 */
public class RecordsLostException extends io.umonitor.api.spi.RecordsLostException {

    /** See {@link io.umonitor.api.spi.RecordsLostException#RecordsLostException}. */
    public RecordsLostException(String unikernel, long records, String message, Throwable cause) {
        super(unikernel, records, message, cause);
    }
}
