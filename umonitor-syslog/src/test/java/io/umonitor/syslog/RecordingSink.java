package io.umonitor.syslog;

import io.umonitor.api.LogOrigin;
import io.umonitor.api.LogRecord;
import io.umonitor.api.spi.LogSink;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** A real sink that keeps what reaches it, so a test can count what was stored (and how often). */
final class RecordingSink implements LogSink {
    final List<LogRecord> records = new CopyOnWriteArrayList<>();

    @Override
    public String id() {
        return "recording";
    }

    @Override
    public void accept(LogRecord record) {
        records.add(record);
    }

    List<LogRecord> syslog(String unikernel) {
        return records.stream().filter(r -> r.origin() == LogOrigin.SYSLOG && r.unikernel().equals(unikernel)).toList();
    }

    long syslogCount() {
        return records.stream().filter(r -> r.origin() == LogOrigin.SYSLOG).count();
    }
}
