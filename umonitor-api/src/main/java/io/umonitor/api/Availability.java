package io.umonitor.api;

import java.util.Objects;

/**
 * Whether a provider can work on this host, and if not, why and how to fix it.
 *
 * @param isUsable true when the provider can work here
 * @param reason for an unusable provider, what is missing and the fix (e.g. "solo5-spt not found on
 *     PATH or in UMONITOR_SOLO5_HOME: build Solo5 and put its tenders on PATH"); empty when usable
 * <p>Stable API. In {@code api}, not {@code api.spi}: providers return it, and applications read it from
 * {@code Monitor.backends()}.
 *
 * @since 0.1
 */
public record Availability(boolean isUsable, String reason) {
    private static final Availability USABLE = new Availability(true, "");

    public Availability {
        Objects.requireNonNull(reason, "reason");
        if (!isUsable && reason.isBlank()) {
            throw new IllegalArgumentException("an unusable provider must say why");
        }
    }

    public static Availability usable() {
        return USABLE;
    }

    public static Availability unusable(String reason) {
        return new Availability(false, reason);
    }
}
