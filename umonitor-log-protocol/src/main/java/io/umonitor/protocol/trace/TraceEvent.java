package io.umonitor.protocol.trace;

import io.umonitor.api.Attribute;
import io.umonitor.api.AttributeValue;
import io.umonitor.protocol.RecordFrame;
import java.util.Optional;

/**
 * A function entry or exit, read from a TRACE record's conventional attributes (PROTOCOL.md 4.2):
 * {@code trace.event} (enter/exit), {@code trace.fn}, {@code trace.caller}, {@code trace.depth}, and
 * {@code trace.thread} where the client sends it.
 *
 * @param enter true for an entry, false for an exit
 * @param function address of the function, as sent (relative to the image start for the C client)
 * @param caller address of the call site, as sent; 0 when absent
 * @param depth call depth, 0 for the outermost traced call of its thread
 * @param thread the guest thread's number (1, 2, ...); 0 when the record does not say
 * @param sequence the record's sequence number
 * @param timestampNanos the record's timestamp
 * @since 0.1
 */
public record TraceEvent(boolean enter, long function, long caller, long depth, long thread, long sequence,
        long timestampNanos) {

    /** The trace event a record carries, or empty when it is not a well-formed trace record. */
    public static Optional<TraceEvent> of(RecordFrame record) {
        String event = null;
        Long function = null;
        long caller = 0;
        Long depth = null;
        long thread = 0;
        for (Attribute a : record.attributes()) {
            AttributeValue v = a.value();
            switch (a.key()) {
                case "trace.event" -> event = v instanceof AttributeValue.Str s ? s.value() : null;
                case "trace.fn" -> function = number(v);
                case "trace.caller" -> caller = Optional.ofNullable(number(v)).orElse(0L);
                case "trace.depth" -> depth = number(v);
                case "trace.thread" -> thread = Optional.ofNullable(number(v)).orElse(0L);
                default -> { }
            }
        }
        if (function == null || depth == null || !("enter".equals(event) || "exit".equals(event))) {
            return Optional.empty();
        }
        return Optional.of(new TraceEvent("enter".equals(event), function, caller, depth, thread, record.sequence(),
                record.timestampNanos()));
    }

    private static Long number(AttributeValue v) {
        if (v instanceof AttributeValue.UInt u) {
            return u.value();
        }
        if (v instanceof AttributeValue.Int i) {
            return i.value();
        }
        return null;
    }
}
