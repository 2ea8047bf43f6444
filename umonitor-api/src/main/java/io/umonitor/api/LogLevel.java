package io.umonitor.api;

/**
 * Severity of a log record, ordered from least to most severe. {@link #wireCode()} is the value the
 * log protocol carries (see PROTOCOL.md).
 *
 * @since 0.1
 */
public enum LogLevel {
    TRACE(1),
    DEBUG(2),
    INFO(3),
    WARN(4),
    ERROR(5),
    FATAL(6);

    private static final LogLevel[] BY_CODE = {null, TRACE, DEBUG, INFO, WARN, ERROR, FATAL};

    private final int wireCode;

    LogLevel(int wireCode) {
        this.wireCode = wireCode;
    }

    public int wireCode() {
        return wireCode;
    }

    /** True when this level is at least as severe as {@code minimum}. */
    public boolean isAtLeast(LogLevel minimum) {
        return compareTo(minimum) >= 0;
    }

    /**
     * @throws ConfigurationException naming the value and the accepted range when {@code code} is not
     *     a protocol v1 level
     */
    public static LogLevel fromWireCode(int code) {
        if (code < 1 || code >= BY_CODE.length) {
            throw new ConfigurationException("log level code " + code
                    + " is not a protocol v1 level: use 1 (TRACE) to 6 (FATAL)");
        }
        return BY_CODE[code];
    }

    /** Parses a level name case-insensitively, also accepting WARNING for WARN. */
    public static LogLevel parse(String name) {
        String upper = name.trim().toUpperCase(java.util.Locale.ROOT);
        if (upper.equals("WARNING")) {
            return WARN;
        }
        try {
            return valueOf(upper);
        } catch (IllegalArgumentException e) {
            throw new ConfigurationException("log level '" + name
                    + "' is unknown: use one of TRACE, DEBUG, INFO, WARN, ERROR, FATAL");
        }
    }
}
