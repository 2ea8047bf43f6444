package io.umonitor.api.spi;

import java.util.Locale;

/**
 * The names of what umonitor hands every guest, as its log client and gateway client read them: the
 * environment variables of a process or rumprun guest, and the upper-snake-case keys of
 * {@link LaunchRequest#guestParameters()}. A backend that passes them another way (boot arguments,
 * kernel command-line words) derives its spelling from these names.
 *
 * @since 0.1
 */
public final class GuestParameters {

    /** The unikernel's name, which its log client presents with the token. */
    public static final String NAME = "UMONITOR_NAME";
    /** The per-launch token ({@link LaunchRequest#token()}). */
    public static final String TOKEN = "UMONITOR_TOKEN";
    /** {@code host:port} of the TCP log collector the guest can reach. */
    public static final String TCP = "UMONITOR_TCP";
    /** {@code host:port} of the UDP log collector the guest can reach. */
    public static final String UDP = "UMONITOR_UDP";
    /** {@code ws://host:port/invoke}: where the guest dials the invocation gateway. */
    public static final String WS = "UMONITOR_WS";
    /** {@code host:port} of the monitor's syslog receiver, when it runs one. */
    public static final String SYSLOG = "UMONITOR_SYSLOG";
    /** Prefix of {@code UMONITOR_BLOCK_<NAME>}: the host file backing block device NAME. */
    public static final String BLOCK_PREFIX = "UMONITOR_BLOCK_";

    private GuestParameters() {
    }

    /** {@code UMONITOR_BLOCK_<NAME>} for the block device {@code deviceName}, upper-cased. */
    public static String block(String deviceName) {
        return BLOCK_PREFIX + deviceName.toUpperCase(Locale.ROOT);
    }

    /** {@code NAME=value}, as in an environment block. */
    public static String assignment(String name, String value) {
        return name + "=" + value;
    }
}
