package io.umonitor.api;

/**
 * A unikernel could not be started. The message says why (exit code, last console lines); whatever the failed launch had created has been removed before this is thrown.
 *
 * @since 0.1
 */
public class LaunchException extends UmonitorException {
    public LaunchException(String message) {
        super(message);
    }

    public LaunchException(String message, Throwable cause) {
        super(message, cause);
    }
}
