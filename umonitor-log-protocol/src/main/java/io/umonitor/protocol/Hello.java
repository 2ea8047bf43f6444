package io.umonitor.protocol;

import io.umonitor.api.ConfigurationException;

/**
 * HELLO (type 0x01, PROTOCOL.md section 4.1): identifies the sender.
 *
 * @param name the unikernel's name: 1 to 63 ASCII letters, digits, '.', '_' or '-', starting with a
 *     letter or digit
 * @param token the per-launch token, or empty for receivers that accept unauthenticated senders; at
 *     most 255 bytes of UTF-8. A secret: {@link #toString()} does not show it
 * @param clientName the log client implementation, e.g. {@code umonitor-c}; at most 255 bytes
 * @param clientVersion its version, e.g. {@code 0.1.0}; at most 255 bytes
 * @param session a random number the client chose when it started (an unsigned 64-bit bit pattern)
 * @since 0.1
 */
public record Hello(String name, String token, String clientName, String clientVersion, long session)
        implements Frame {

    public Hello {
        if (name == null || !FieldChecks.isValidName(name)) {
            throw new ConfigurationException("HELLO name '" + name + "' is invalid: use 1 to 63 ASCII letters, digits, "
                    + "'.', '_' or '-', starting with a letter or digit (e.g. 'web-1')");
        }
        FieldChecks.requireStr(token, WireFormat.MAX_STR8, "HELLO token");
        FieldChecks.requireStr(clientName, WireFormat.MAX_STR8, "HELLO client name");
        FieldChecks.requireStr(clientVersion, WireFormat.MAX_STR8, "HELLO client version");
    }

    /** True when {@code name} follows the HELLO name rule (the same rule as unikernel names). */
    public static boolean isValidName(String name) {
        return name != null && FieldChecks.isValidName(name);
    }

    @Override
    public int typeCode() {
        return WireFormat.TYPE_HELLO;
    }

    @Override
    public String toString() {
        return "Hello[name=" + name + ", token=" + (token.isEmpty() ? "<none>" : "<redacted>") + ", clientName="
                + clientName + ", clientVersion=" + clientVersion + ", session=" + Long.toUnsignedString(session) + "]";
    }
}
