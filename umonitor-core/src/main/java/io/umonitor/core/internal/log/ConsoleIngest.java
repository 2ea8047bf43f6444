package io.umonitor.core.internal.log;

import io.umonitor.api.Attribute;
import io.umonitor.api.AttributeValue;
import io.umonitor.api.GuestClock;
import io.umonitor.api.LogLevel;
import io.umonitor.api.LogOrigin;
import io.umonitor.api.LogRecord;
import io.umonitor.api.ProtocolException;
import io.umonitor.api.spi.GuestOutput;
import io.umonitor.core.internal.collect.Ingest;
import io.umonitor.protocol.ConsoleDecoder;
import io.umonitor.protocol.Frame;
import io.umonitor.protocol.Goodbye;
import io.umonitor.protocol.Hello;
import io.umonitor.protocol.RecordFrame;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Turns a guest's console lines into records: plain text becomes a CONSOLE record, a line in the
 * protocol's console encoding a structured one with loss accounting per session; a bad encoded line is
 * kept as text and counted as rejected.
 */
final class ConsoleIngest {
    private final SinkDispatch sinks;
    private final SenderRegistry.Refusals refusals;

    ConsoleIngest(SinkDispatch sinks, SenderRegistry.Refusals refusals) {
        this.sinks = sinks;
        this.refusals = refusals;
    }

    /** Marks the pieces after the first of a console line longer than the backend's line limit. */
    private static final Attribute CONSOLE_CONTINUATION =
            new Attribute("console.continuation", new AttributeValue.Bool(true));

    /**
     * One console line of sender {@code s}, or with {@code continuation} a further piece of a line too long
     * to keep whole (kept as text, marked): into its history, to its followers and to the sinks.
     */
    void line(SenderState s, GuestOutput.Stream stream, String line, boolean continuation) {
        LogRecord record = null;
        if (!continuation && line.startsWith("@UM1:")) {
            record = consoleFrame(s, line);
        }
        if (record == null) {
            LogLevel level = stream == GuestOutput.Stream.STDERR ? LogLevel.WARN : LogLevel.INFO;
            record = new LogRecord(s.name(), LogOrigin.CONSOLE, false, -1, GuestClock.NONE, 0, Instant.now(), level,
                    stream.name().toLowerCase(Locale.ROOT), line,
                    continuation ? List.of(CONSOLE_CONTINUATION) : List.of(), s.launch());
        }
        s.received(1);
        record = s.maskToken(record);
        s.append(record);
        sinks.dispatch(List.of(record), false);
    }

    /** Decodes a console-encoded frame; null when the line is to be kept as text (not a frame, bad frame). */
    private LogRecord consoleFrame(SenderState s, String line) {
        SenderState.ConsoleState console = s.console;
        synchronized (console) {
            Optional<Frame> decoded;
            try {
                if (console.decoder == null) {
                    console.decoder = new ConsoleDecoder();
                }
                decoded = console.decoder.decodeLine(line);
            } catch (ProtocolException | IllegalArgumentException e) {
                refusals.rejected(s, LogOrigin.CONSOLE, "console", "bad console-encoded line kept as text: "
                        + Ingest.describe(e));
                return null;
            }
            if (decoded.isEmpty()) {
                return null;
            }
            Frame frame = decoded.get();
            if (console.sequences == null) {
                console.sequences = s.session(console.session);
            }
            if (frame instanceof RecordFrame r) {
                s.lost(console.sequences.observe(r.sequence()));
                return new LogRecord(s.name(), LogOrigin.CONSOLE, true, r.sequence(), r.clock(), r.timestampNanos(),
                        Instant.now(), r.level(), r.logger(), r.message(), r.attributes(), s.launch());
            }
            // Session frames carry no record of their own. Say in words what the guest printed (never the raw
            // base64, and never the HELLO's token), so the line is neither lost nor unreadable.
            String message;
            if (frame instanceof Hello hello) {
                console.session = hello.session();
                console.sequences = s.session(hello.session());
                message = "log client " + hello.clientName() + " " + hello.clientVersion() + " started session "
                        + Long.toUnsignedString(hello.session()) + " on the console";
            } else if (frame instanceof Goodbye goodbye) {
                s.lost(console.sequences.goodbye(goodbye.produced()));
                message = "log client ended session " + Long.toUnsignedString(console.session)
                        + " on the console: " + Long.toUnsignedString(goodbye.produced()) + " record(s) produced, "
                        + Long.toUnsignedString(goodbye.dropped()) + " dropped by the client"
                        + (goodbye.reason().isEmpty() ? "" : " (" + goodbye.reason() + ")");
            } else {
                message = "console frame " + frame.getClass().getSimpleName();
            }
            return new LogRecord(s.name(), LogOrigin.CONSOLE, false, -1, GuestClock.NONE, 0, Instant.now(),
                    LogLevel.DEBUG, "console", message, List.of(), s.launch());
        }
    }
}
