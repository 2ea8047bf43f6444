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
     * Whether the sink, once opened, wants records. A sink found on the classpath that its settings leave
     * off (e.g. syslog forwarding without an address) returns false: the monitor then closes it and gives it
     * no thread and no queue.
     *
     * @since 0.2
     */
    default boolean isEnabled() {
        return true;
    }

    /**
     * Takes one record. May buffer; a failure to store should be thrown (the monitor counts it, reports
     * it as a record and keeps feeding the sink, so it can resume when e.g. disk space returns).
     */
    void accept(LogRecord record);

    /** Writes out what is buffered. Called when the queue runs empty and before close. */
    default void flush() {
    }

    @Override
    default void close() {
    }
}
