package io.umonitor.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class AwaitTest {

    @Test
    void returnsTheFirstAcceptedValueAfterPolling() {
        AtomicInteger calls = new AtomicInteger();
        assertEquals(3, Await.value("the third call", Duration.ofSeconds(10), calls::incrementAndGet, n -> n >= 3));
    }

    @Test
    void aTimeoutNamesWhatWasAwaitedTheTimeoutAndTheLastValue() {
        AssertionError e = assertThrows(AssertionError.class,
                () -> Await.value("seven", Duration.ofMillis(50), () -> 6, n -> n == 7));
        assertTrue(e.getMessage().contains("waiting for seven") && e.getMessage().contains("PT0.05S")
                && e.getMessage().contains("last value: 6"), e.getMessage());
        AssertionError plain = assertThrows(AssertionError.class,
                () -> Await.until("the impossible", Duration.ofMillis(30), () -> false));
        assertFalse(plain.getMessage().contains("last value"), plain.getMessage());
    }

    @Test
    void aCheckThatThrowsFailsAtOnceWithItsCause() {
        IOException cause = new IOException("file gone");
        AssertionError e = assertThrows(AssertionError.class, () -> Await.check("a file", Duration.ofSeconds(30), () -> {
            throw cause;
        }));
        assertSame(cause, e.getCause());
        AssertionError direct = new AssertionError("child died");
        assertSame(direct, assertThrows(AssertionError.class, () -> Await.check("x", Duration.ofSeconds(30), () -> {
            throw direct;
        })));
    }

    @Test
    void withinSaysWhetherItHeldAndAnInterruptIsKept() {
        assertTrue(Await.within(Duration.ofSeconds(1), () -> true));
        assertFalse(Await.within(Duration.ofMillis(30), () -> false));
        Thread.currentThread().interrupt();
        try {
            assertThrows(AssertionError.class, () -> Await.within(Duration.ofSeconds(10), () -> false));
            assertTrue(Thread.currentThread().isInterrupted(), "the interrupt status is kept");
        } finally {
            Thread.interrupted();
        }
    }
}
