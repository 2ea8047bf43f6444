package io.umonitor.api;

/**
 * The host side of a unikernel's network (a tap device, an address, a bridge port) could not be created or removed. The message names the missing capability and the fix.
 *
 * @since 0.1
 */
public class ProvisioningException extends UmonitorException {
    public ProvisioningException(String message) {
        super(message);
    }

    public ProvisioningException(String message, Throwable cause) {
        super(message, cause);
    }
}
