package io.umonitor.examples.cli;

import io.umonitor.api.LogRecord;
import io.umonitor.protocol.RecordFrame;
import io.umonitor.protocol.trace.AddressSymbolizer;
import io.umonitor.protocol.trace.TraceEvent;
import java.util.List;
import java.util.Optional;

/** Function-tracing records (from clients built with -finstrument-functions) in words people read. */
final class TraceView {
    private TraceView() {
    }

    /** The trace event a record carries, if it is a well-formed trace record. */
    static Optional<TraceEvent> eventOf(LogRecord r) {
        if (!r.attribute("trace.fn").isPresent()) {
            return Optional.empty();
        }
        try {
            return TraceEvent.of(frameOf(r));
        } catch (RuntimeException e) {
            return Optional.empty(); // not something the protocol could have carried: not a trace record
        }
    }

    /** {@code enter handle_request (server.c:42)} for a trace record. */
    static Optional<String> describe(LogRecord r, AddressSymbolizer symbols) {
        return eventOf(r).map(e -> (e.enter() ? "enter " : "exit  ") + symbols.resolve(e.function()));
    }

    static List<RecordFrame> framesOf(List<LogRecord> records) {
        return records.stream().filter(r -> eventOf(r).isPresent()).map(TraceView::frameOf).toList();
    }

    private static RecordFrame frameOf(LogRecord r) {
        return new RecordFrame(r.hasSequence() ? r.sequence() : 0, r.guestClock(), r.guestNanos(), r.level(), r.logger(),
                r.message(), r.attributes());
    }
}
