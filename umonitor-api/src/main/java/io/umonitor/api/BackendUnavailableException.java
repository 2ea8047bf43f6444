package io.umonitor.api;

/**
 * No backend (or network provisioner) can serve a request on this host: none is installed, the requested id is unknown, or the one chosen cannot run here. The message lists what was found and why each candidate is unusable.
 *
 * @since 0.1
 */
public class BackendUnavailableException extends UmonitorException {
    public BackendUnavailableException(String message) {
        super(message);
    }

    public BackendUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
