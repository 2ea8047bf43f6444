package io.umonitor.testkit;

import java.time.Duration;
import java.util.Objects;
import java.util.function.BooleanSupplier;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * Waits for a condition with a deadline, for tests: the one place umonitor's tests poll, so no test
 * sleeps a fixed time and every timeout says what it waited for.
 *
 * <p>Polls every 10 ms. A condition that throws fails the wait at once (with the exception as cause);
 * an interrupt fails it with the interrupt status kept.
 *
 * @since 0.2
 */
public final class Await {

    private static final long POLL_MILLIS = 10;

    private Await() {
    }

    /** A condition that may throw, e.g. one that reads a file or runs a command. */
    @FunctionalInterface
    public interface Check {
        boolean ok() throws Exception;
    }

    /**
     * Returns once {@code condition} holds.
     *
     * @param what what is awaited, for the failure message ("the guest's ready line")
     * @throws AssertionError naming {@code what} and {@code timeout} when it does not hold in time
     */
    public static void until(String what, Duration timeout, BooleanSupplier condition) {
        Objects.requireNonNull(condition, "condition");
        check(what, timeout, condition::getAsBoolean);
    }

    /** As {@link #until(String, Duration, BooleanSupplier)}, for a condition that may throw. */
    public static void check(String what, Duration timeout, Check condition) {
        value(what, timeout, () -> {
            try {
                return condition.ok();
            } catch (RuntimeException | Error e) {
                throw e;
            } catch (Exception e) {
                throw new AssertionError("checking " + what + " failed: " + e, e);
            }
        }, Boolean::booleanValue);
    }

    /**
     * Returns the first value of {@code value} that {@code done} accepts.
     *
     * @throws AssertionError naming {@code what}, {@code timeout} and the last value seen
     */
    public static <T> T value(String what, Duration timeout, Supplier<T> value, Predicate<? super T> done) {
        Objects.requireNonNull(what, "what");
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            T v = value.get();
            if (done.test(v)) {
                return v;
            }
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("timed out after " + timeout + " waiting for " + what
                        + (v instanceof Boolean ? "" : "; last value: " + v));
            }
            try {
                Thread.sleep(POLL_MILLIS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted while waiting for " + what, e);
            }
        }
    }

    /**
     * Whether {@code condition} holds within {@code timeout}, for tests that assert afterwards with a
     * message of their own (the state they found).
     */
    public static boolean within(Duration timeout, BooleanSupplier condition) {
        try {
            until("a condition", timeout, condition);
            return true;
        } catch (AssertionError e) {
            if (Thread.currentThread().isInterrupted()) {
                throw e;
            }
            return false;
        }
    }

    /** Waits until process {@code pid} has gone (ended and been reaped, or never existed). */
    public static void processGone(long pid, Duration timeout) {
        until("process " + pid + " to end", timeout,
                () -> ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false) == Boolean.FALSE);
    }
}
