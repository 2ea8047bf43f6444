package io.umonitor.solo5;

import io.umonitor.api.LogLevel;
import io.umonitor.api.spi.GuestOutput;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;

/** A GuestOutput that keeps everything, for assertions. */
final class RecordingOutput implements GuestOutput {
    final List<String> lines = new CopyOnWriteArrayList<>();
    final List<String> stderr = new CopyOnWriteArrayList<>();
    final List<String> notes = new CopyOnWriteArrayList<>();
    final CountDownLatch running = new CountDownLatch(1);
    volatile int runningCalls;

    /** Waits (polling, with a deadline) until a stdout line contains {@code text}. */
    boolean awaitLine(String text, java.time.Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (lines.stream().anyMatch(l -> l.contains(text))) {
                return true;
            }
            Thread.sleep(20);
        }
        return false;
    }

    @Override
    public void consoleLine(Stream stream, String line) {
        (stream == Stream.STDERR ? stderr : lines).add(line);
    }

    @Override
    public void running() {
        runningCalls++;
        running.countDown();
    }

    @Override
    public void note(LogLevel level, String message) {
        notes.add(level + " " + message);
    }
}
