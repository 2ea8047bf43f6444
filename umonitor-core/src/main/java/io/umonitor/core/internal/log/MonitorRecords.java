package io.umonitor.core.internal.log;

import io.umonitor.api.Attribute;
import io.umonitor.api.GuestClock;
import io.umonitor.api.LogLevel;
import io.umonitor.api.LogOrigin;
import io.umonitor.api.LogRecord;
import java.time.Instant;
import java.util.List;

/** The records umonitor writes itself (launched, exited, records lost, ...), built in one place. */
public final class MonitorRecords {
    /** Logger name of every record umonitor writes about a unikernel. */
    public static final String LOGGER = "umonitor";

    private MonitorRecords() {
    }

    /** A MONITOR record about sender {@code s}'s current run, stamped now. */
    static LogRecord of(SenderState s, LogLevel level, String message, List<Attribute> attributes) {
        return new LogRecord(s.name(), LogOrigin.MONITOR, false, -1, GuestClock.NONE, 0, Instant.now(), level, LOGGER,
                message, attributes, s.launch());
    }

    /** A MONITOR record about {@code unikernel}, stamped now (the hub adds its run when it publishes it). */
    public static LogRecord of(String unikernel, LogLevel level, String message, List<Attribute> attributes) {
        return new LogRecord(unikernel, LogOrigin.MONITOR, -1, GuestClock.NONE, 0, Instant.now(), level, LOGGER,
                message, attributes);
    }
}
