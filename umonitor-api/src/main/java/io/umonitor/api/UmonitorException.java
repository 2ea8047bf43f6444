package io.umonitor.api;

/**
 * Root of every exception umonitor's public API throws. Unchecked, so embedding platforms are not
 * forced to wrap calls; the subtypes say which part failed and every message names the input, its
 * value and the fix.
 *
 * @since 0.1
 */
public class UmonitorException extends RuntimeException {
    public UmonitorException(String message) {
        super(message);
    }

    public UmonitorException(String message, Throwable cause) {
        super(message, cause);
    }
}
