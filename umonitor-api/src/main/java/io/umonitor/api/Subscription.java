package io.umonitor.api;

/**
 * A live delivery that runs until closed, e.g. {@code Monitor.follow}. Use it in try-with-resources; its
 * {@link #close()} throws no checked exception.
 *
 * <p>Stable API. Thread-safe; closing is idempotent and, once it returns, no further record is delivered.
 *
 * @since 0.1
 */
@FunctionalInterface
public interface Subscription extends AutoCloseable {

    /** Stops the delivery. Idempotent. */
    @Override
    void close();
}
