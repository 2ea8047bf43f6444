package io.umonitor.rumprun;

import io.umonitor.api.LogLevel;
import io.umonitor.api.spi.GuestOutput;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;

/** Keeps what a backend reports, for assertions. */
final class RecordingOutput implements GuestOutput {
    record Line(Stream stream, String text) {
    }

    final List<Line> lines = new CopyOnWriteArrayList<>();
    final List<String> notes = new CopyOnWriteArrayList<>();
    final AtomicInteger running = new AtomicInteger();
    final long created = System.nanoTime();
    volatile long runningAfterMillis = -1;

    @Override
    public void consoleLine(Stream stream, String line) {
        lines.add(new Line(stream, line));
    }

    @Override
    public void running() {
        if (running.getAndIncrement() == 0) {
            runningAfterMillis = (System.nanoTime() - created) / 1_000_000;
        }
    }

    @Override
    public void note(LogLevel level, String message) {
        notes.add(level + " " + message);
    }

    List<String> serial() {
        return lines.stream().filter(l -> l.stream() == Stream.SERIAL).map(Line::text).toList();
    }

    String all() {
        return lines.stream().map(l -> l.stream() + ": " + l.text()).collect(Collectors.joining("\n"));
    }
}
