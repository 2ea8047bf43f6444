package io.umonitor.api;

/**
 * A setting, a launch spec or a provider's configuration is invalid. When several settings are wrong at once, the message lists all of them.
 *
 * @since 0.1
 */
public class ConfigurationException extends UmonitorException {
    public ConfigurationException(String message) {
        super(message);
    }

    public ConfigurationException(String message, Throwable cause) {
        super(message, cause);
    }
}
