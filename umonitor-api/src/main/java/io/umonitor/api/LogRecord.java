package io.umonitor.api;

import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * One log record of one unikernel, as sinks receive it. Immutable and safe to share between threads.
 *
 * @param unikernel the name of the unikernel (or attached sender) the record belongs to
 * @param origin how it reached umonitor
 * @param hasSequence whether the record carries a sender's sequence number (protocol records do; console
 *     text and monitor events do not)
 * @param sequence the sender's sequence number, an unsigned 64-bit value held in a {@code long} (print it
 *     with {@link Long#toUnsignedString(long)}, compare it with {@link Long#compareUnsigned}); -1 when
 *     {@code hasSequence} is false, as before {@code hasSequence} existed (then -1 also means 2^64-1, so
 *     ask {@code hasSequence})
 * @param guestClock which clock {@code guestNanos} was taken from ({@link GuestClock#NONE} when none)
 * @param guestNanos the guest's own timestamp in nanoseconds; meaningful unless {@code guestClock} is NONE
 * @param receivedAt when umonitor received it, by the host clock
 * @param level severity
 * @param logger logger or component name inside the guest; empty when none
 * @param message the message text
 * @param attributes typed attributes in the order the guest sent them
 * @param launch the run the record came from (launch id, restart, backend, image digest), shared by every
 *     record of that run; {@link LaunchIdentity#NONE} when it came from none (since 0.2)
 * @since 0.1
 */
public record LogRecord(
        String unikernel,
        LogOrigin origin,
        boolean hasSequence,
        long sequence,
        GuestClock guestClock,
        long guestNanos,
        Instant receivedAt,
        LogLevel level,
        String logger,
        String message,
        List<Attribute> attributes,
        LaunchIdentity launch) {

    public LogRecord {
        Objects.requireNonNull(unikernel, "unikernel");
        Objects.requireNonNull(origin, "origin");
        Objects.requireNonNull(guestClock, "guestClock");
        Objects.requireNonNull(receivedAt, "receivedAt");
        Objects.requireNonNull(level, "level");
        Objects.requireNonNull(logger, "logger");
        Objects.requireNonNull(message, "message");
        attributes = List.copyOf(attributes);
        Objects.requireNonNull(launch, "launch");
        if (!hasSequence) {
            sequence = -1;
        }
    }

    /** A record that belongs to no run ({@link LaunchIdentity#NONE}): the form before launch ids existed. */
    public LogRecord(String unikernel, LogOrigin origin, boolean hasSequence, long sequence, GuestClock guestClock,
            long guestNanos, Instant receivedAt, LogLevel level, String logger, String message,
            List<Attribute> attributes) {
        this(unikernel, origin, hasSequence, sequence, guestClock, guestNanos, receivedAt, level, logger, message,
                attributes, LaunchIdentity.NONE);
    }

    /**
     * A record whose sequence number is {@code -1} when it has none. Every other value, including those
     * at or above 2^63 (negative as a {@code long}), is a sequence number; only 2^64-1 cannot be given
     * this way: use the canonical constructor for protocol records.
     */
    public LogRecord(String unikernel, LogOrigin origin, long sequence, GuestClock guestClock, long guestNanos,
            Instant receivedAt, LogLevel level, String logger, String message, List<Attribute> attributes) {
        this(unikernel, origin, sequence != -1, sequence, guestClock, guestNanos, receivedAt, level, logger, message,
                attributes, LaunchIdentity.NONE);
    }

    /** This record as coming from run {@code launch}; this very record when it already says so. */
    public LogRecord withLaunch(LaunchIdentity launch) {
        if (launch == this.launch) {
            return this;
        }
        return new LogRecord(unikernel, origin, hasSequence, sequence, guestClock, guestNanos, receivedAt, level, logger,
                message, attributes, launch);
    }

    /** The sequence number as unsigned decimal text, when the record has one. */
    public Optional<String> sequenceText() {
        return hasSequence ? Optional.of(Long.toUnsignedString(sequence)) : Optional.empty();
    }

    /** A record without sequence, guest time or attributes: console text and monitor events. */
    public static LogRecord simple(String unikernel, LogOrigin origin, LogLevel level, String logger, String message) {
        return new LogRecord(unikernel, origin, false, -1, GuestClock.NONE, 0, Instant.now(), level, logger, message, List.of());
    }

    /** The guest's wall-clock timestamp, when it sent one. */
    public Optional<Instant> guestWallTime() {
        if (guestClock != GuestClock.WALL) {
            return Optional.empty();
        }
        return Optional.of(Instant.ofEpochSecond(Math.floorDiv(guestNanos, 1_000_000_000L),
                Math.floorMod(guestNanos, 1_000_000_000L)));
    }

    /**
     * The line {@code umonitor logs} prints for this record ({@link LogRecordFormatter#standard()}), e.g.
     * {@code 11:00:11.003 web          INFO  console [stdout] listening on :8080}; the components are the
     * accessors.
     */
    @Override
    public String toString() {
        return LogRecordFormatter.standard().format(this);
    }

    /** The first attribute with this key. */
    public Optional<AttributeValue> attribute(String key) {
        for (Attribute a : attributes) {
            if (a.key().equals(key)) {
                return Optional.of(a.value());
            }
        }
        return Optional.empty();
    }
}
