package io.umonitor.api.spi;

import io.umonitor.api.LogRecord;

/**
 * Receives log records (files, the host's logging, a database, ...).
 *
 * <p>Found with {@link java.util.ServiceLoader} or passed explicitly; public no-argument constructor
 * without I/O. The monitor calls {@link #open} once, then {@link #accept} and {@link #flush} from one
 * thread of its own per sink, fed by a bounded queue, so a sink needs no locking and a slow sink never
 * blocks collection (overflow is counted and reported). {@link #close} is called once, after the last
 * flush.
 *
 * @since 0.1
 */
public interface LogSink extends AutoCloseable {

    /** Unique, stable, lower-case id such as {@code file} or {@code slf4j}. */
    String id();

    /** Validates settings and opens resources. */
    default void open(ProviderContext context) {
    }

    /**
     * Takes one record. May buffer; a failure to store should be thrown (the monitor counts it, reports
     * it as a record and keeps feeding the sink, so it can resume when e.g. disk space returns). A
     * {@link RecordsLostException} says how many records were lost; any other exception counts as one.
     */
    void accept(LogRecord record);

    /** Writes out what is buffered. Called when the queue runs empty and before close. */
    default void flush() {
    }

    @Override
    default void close() {
    }
}
