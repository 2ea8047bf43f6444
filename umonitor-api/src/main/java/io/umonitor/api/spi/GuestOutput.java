package io.umonitor.api.spi;

/**
 * Where a backend reports what a running unikernel prints and when it is running. The monitor
 * implements it; calls must be cheap and never block the backend (the monitor queues internally), so
 * a backend may call it from its console-reading thread.
 *
 * @since 0.1
 */
public interface GuestOutput {

    /** Which console stream a line came from. */
    enum Stream { STDOUT, STDERR, SERIAL }

    /**
     * One console line without its line terminator. Lines in the protocol's console encoding are
     * decoded by the monitor; the backend passes every line unchanged.
     */
    void consoleLine(Stream stream, String line);

    /**
     * The next piece of the last console line of {@code stream}, which was longer than the backend's line
     * limit. The monitor keeps it as console text marked as a continuation and never decodes it as a frame.
     * Backends that never cut lines need not call it.
     *
     * @since 0.2
     */
    default void consoleContinuation(Stream stream, String piece) {
        consoleLine(stream, piece);
    }

    /** The application inside the unikernel has started (e.g. rumprun's main() marker). */
    void running();

    /** A note from the backend about this unikernel (e.g. "gdb attach: gdb -ex 'target remote :1234'"). */
    void note(io.umonitor.api.LogLevel level, String message);
}
