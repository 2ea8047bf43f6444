package io.umonitor.api;

import java.util.regex.Pattern;

/**
 * The rule for unikernel names, shared by launch specs, attached senders and file sinks so that a
 * name valid in one place is valid everywhere (and can never name a path outside a log directory).
 *
 * @since 0.1
 */
public final class Names {
    /** Letters, digits, '.', '_' and '-', starting with a letter or digit, 1 to 63 characters. */
    public static final Pattern UNIKERNEL_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,62}");

    private Names() {
    }

    public static boolean isValidUnikernelName(String name) {
        return name != null && UNIKERNEL_NAME.matcher(name).matches();
    }

    /** @throws ConfigurationException naming the value and the rule when {@code name} is invalid */
    public static String requireValidUnikernelName(String name) {
        if (!isValidUnikernelName(name)) {
            throw new ConfigurationException("unikernel name '" + name + "' is invalid: use 1 to 63 letters, "
                    + "digits, '.', '_' or '-', starting with a letter or digit (e.g. 'web-1')");
        }
        return name;
    }
}
