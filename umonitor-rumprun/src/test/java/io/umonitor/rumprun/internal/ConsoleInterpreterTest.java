package io.umonitor.rumprun.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.umonitor.rumprun.internal.ConsoleInterpreter.Signal;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;

class ConsoleInterpreterTest {

    @Test
    void rumprunRunsAtItsMainMarkerAndReportsTheFirstExitCode() {
        ConsoleInterpreter c = new ConsoleInterpreter(Flavour.RUMPRUN);
        assertEquals(Signal.NONE, c.accept("rumprun 0.1 booting"));
        assertFalse(c.isRunning());
        assertEquals(Signal.RUNNING, c.accept("=== calling \"httpd\" main() ===\r"));
        assertEquals(Signal.NONE, c.accept("serving on :8080"));
        assertEquals(Signal.EXIT_CODE, c.accept("=== main() of \"httpd\" returned 3 ==="));
        assertEquals(Signal.EXIT_CODE, c.accept("=== _exit(4) called ==="));
        assertEquals(OptionalInt.of(3), c.exitCode());
        assertEquals("=== main() of \"httpd\" returned 3 ===", c.exitLine());
        assertEquals(Signal.HALTED, c.accept("halted"));
        assertTrue(c.halted());
        assertNull(c.panic());
    }

    @Test
    void errorExitAndPanicAreRead() {
        ConsoleInterpreter c = new ConsoleInterpreter(Flavour.RUMPRUN);
        assertEquals(Signal.EXIT_CODE, c.accept("=== ERROR: _exit(1) called ==="));
        assertEquals(OptionalInt.of(1), c.exitCode());
        assertEquals(Signal.PANIC, c.accept("PANIC: page fault at 0x0"));
        assertEquals("page fault at 0x0", c.panic());
    }

    @Test
    void otherFlavoursRunAtTheirFirstLineEvenAnEncodedOne() {
        ConsoleInterpreter c = new ConsoleInterpreter(Flavour.MULTIBOOT);
        assertEquals(Signal.RUNNING, c.accept("@UM1:VU0BAw=="));
        assertEquals(Signal.NONE, c.accept("next"));
        assertTrue(c.isRunning());
    }

    @Test
    void haltedMustBeTheWholeLine() {
        ConsoleInterpreter c = new ConsoleInterpreter(Flavour.RUMPRUN);
        assertEquals(Signal.NONE, c.accept("the service halted its workers"));
        assertFalse(c.halted());
    }
}
