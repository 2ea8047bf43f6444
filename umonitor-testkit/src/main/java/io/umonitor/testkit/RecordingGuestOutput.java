package io.umonitor.testkit;

import io.umonitor.api.LogLevel;
import io.umonitor.api.spi.GuestOutput;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;

/**
 * A {@link GuestOutput} that keeps everything a backend reports, in order, for assertions; what a
 * test hands a backend in place of the monitor. Thread-safe.
 *
 * @since 0.2
 */
public final class RecordingGuestOutput implements GuestOutput {

    /** One console line and the stream it came from. */
    public record Line(Stream stream, String text) {
    }

    private final List<Line> lines = new CopyOnWriteArrayList<>();
    private final List<String> notes = new CopyOnWriteArrayList<>();
    private final AtomicInteger runningCalls = new AtomicInteger();
    private final long created = System.nanoTime();
    private volatile long runningAtNanos = -1;

    @Override
    public void consoleLine(Stream stream, String line) {
        lines.add(new Line(stream, line));
    }

    @Override
    public void running() {
        if (runningCalls.getAndIncrement() == 0) {
            runningAtNanos = System.nanoTime();
        }
    }

    @Override
    public void note(LogLevel level, String message) {
        notes.add(level + " " + message);
    }

    /** Every console line so far, oldest first. */
    public List<Line> lines() {
        return List.copyOf(lines);
    }

    /** The text of the console lines of {@code stream}, oldest first. */
    public List<String> lines(Stream stream) {
        return lines.stream().filter(l -> l.stream() == stream).map(Line::text).toList();
    }

    /** The text of every console line, any stream, oldest first. */
    public List<String> texts() {
        return lines.stream().map(Line::text).toList();
    }

    /** The notes so far, each as {@code LEVEL message}. */
    public List<String> notes() {
        return List.copyOf(notes);
    }

    /** How often {@link #running()} was called. */
    public int runningCalls() {
        return runningCalls.get();
    }

    /** {@link System#nanoTime()} of the first {@link #running()} call, or -1. */
    public long runningAtNanos() {
        return runningAtNanos;
    }

    /** Milliseconds from this output's creation to the first {@link #running()}, or -1. */
    public long runningAfterMillis() {
        long at = runningAtNanos;
        return at < 0 ? -1 : (at - created) / 1_000_000;
    }

    /** True when a console line of any stream contains {@code text}. */
    public boolean hasLineContaining(String text) {
        return lines.stream().anyMatch(l -> l.text().contains(text));
    }

    /** Waits until a console line contains {@code text}; fails with everything seen so far. */
    public void awaitLineContaining(String text, Duration timeout) {
        try {
            Await.until("a console line containing '" + text + "'", timeout, () -> hasLineContaining(text));
        } catch (AssertionError e) {
            throw new AssertionError(e.getMessage() + "; console so far:\n" + all(), e);
        }
    }

    /** Everything so far, one {@code STREAM: text} line each, then the notes: for failure messages. */
    public String all() {
        String console = lines.stream().map(l -> l.stream() + ": " + l.text()).collect(Collectors.joining("\n"));
        return notes.isEmpty() ? console : console + "\nnotes:\n" + String.join("\n", notes);
    }
}
