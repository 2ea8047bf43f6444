package io.umonitor.protocol;

import io.umonitor.api.Attribute;
import io.umonitor.api.AttributeValue;
import io.umonitor.api.ConfigurationException;
import io.umonitor.api.GuestClock;
import io.umonitor.api.LogLevel;
import java.util.List;
import java.util.Objects;

/**
 * RECORD (type 0x02, PROTOCOL.md section 4.2): one log record as the guest sent it.
 *
 * @param sequence per-session sequence number (unsigned 64-bit bit pattern; compare with
 *     {@link Long#compareUnsigned})
 * @param clock which clock {@code timestampNanos} comes from; {@link GuestClock#NONE} for no timestamp
 * @param timestampNanos nanoseconds since the epoch (WALL) or since boot (MONOTONIC); 0 when NONE
 * @param level severity
 * @param logger logger or component name; may be empty; at most 255 bytes of UTF-8
 * @param message the message; may be empty; at most 65,535 bytes of UTF-8
 * @param attributes at most 65,535 attributes, keys 1 to 255 bytes, string and byte values at most
 *     65,535 bytes; copied into an immutable list
 * @since 0.1
 */
public record RecordFrame(
        long sequence,
        GuestClock clock,
        long timestampNanos,
        LogLevel level,
        String logger,
        String message,
        List<Attribute> attributes) implements Frame {

    public RecordFrame {
        Objects.requireNonNull(clock, "clock");
        Objects.requireNonNull(level, "level");
        if (clock == GuestClock.NONE && timestampNanos != 0) {
            throw new ConfigurationException("RECORD timestamp is " + timestampNanos
                    + " but clock is NONE: pass 0 as the timestamp, or say which clock it comes from");
        }
        FieldChecks.requireStr(logger, WireFormat.MAX_STR8, "RECORD logger");
        FieldChecks.requireStr(message, WireFormat.MAX_STR16, "RECORD message");
        attributes = List.copyOf(attributes);
        if (attributes.size() > WireFormat.MAX_STR16) {
            throw new ConfigurationException("RECORD has " + attributes.size()
                    + " attributes, over the protocol limit of 65535: send fewer");
        }
        for (Attribute a : attributes) {
            FieldChecks.requireStr(a.key(), WireFormat.MAX_STR8, "attribute key");
            AttributeValue v = a.value();
            if (v instanceof AttributeValue.Str s) {
                String text = s.value();
                if (text.length() * 3L > WireFormat.MAX_STR16 && FieldChecks.utf8Length(text) > WireFormat.MAX_STR16) {
                    throw new ConfigurationException("value of attribute '" + a.key() + "' is "
                            + FieldChecks.utf8Length(text) + " bytes of UTF-8, over the protocol limit of 65535 bytes: shorten it");
                }
            } else if (v instanceof AttributeValue.Bytes b) {
                int length = b.value().length;
                if (length > WireFormat.MAX_STR16) {
                    throw new ConfigurationException("value of attribute '" + a.key() + "' is " + length
                            + " bytes, over the protocol limit of 65535 bytes: shorten it");
                }
            }
        }
    }

    /** A record with a wall-clock timestamp and no attributes. */
    public static RecordFrame of(long sequence, long wallNanos, LogLevel level, String logger, String message) {
        return new RecordFrame(sequence, GuestClock.WALL, wallNanos, level, logger, message, List.of());
    }

    @Override
    public int typeCode() {
        return WireFormat.TYPE_RECORD;
    }
}
