package io.umonitor.core.sink;

import java.util.Map;

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

    /** See {@link io.umonitor.api.spi.RecordsLostException#RecordsLostException(String, long, String, Throwable)}. */
    public RecordsLostException(String unikernel, long records, String message, Throwable cause) {
        super(unikernel, records, message, cause);
    }

    /** See {@link io.umonitor.api.spi.RecordsLostException#RecordsLostException(Map, String, Throwable)}. */
    public RecordsLostException(Map<String, Long> lostByUnikernel, String message, Throwable cause) {
        super(lostByUnikernel, message, cause);
    }
}
