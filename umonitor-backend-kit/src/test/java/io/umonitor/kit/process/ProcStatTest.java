package io.umonitor.kit.process;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Optional;
import org.junit.jupiter.api.Test;

class ProcStatTest {

    @Test
    void aCommandNameWithSpacesAndParenthesesDoesNotShiftTheFields() {
        String line = "4242 (evil) name) (x) S 4000 4242 4242 0 -1 4194304 100 0 0 0 7 3 1 2 20 0 1 0 98765 "
                + "1000000 200 18446744073709551615 0 0 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0";
        ProcStat stat = ProcStat.parse(line).orElseThrow();
        assertEquals(new ProcStat('S', 4000, 4242, 4242, 7, 3, 1, 2, 98765), stat);
    }

    @Test
    void thisJvmIsReadFromProc() {
        ProcStat self = ProcStat.read(ProcessHandle.current().pid()).orElseThrow();
        assertEquals(ProcessHandle.current().parent().orElseThrow().pid(), self.parent());
        assertTrue(!self.isZombie());
    }

    @Test
    void somethingElseIsNotAStat() {
        assertEquals(Optional.empty(), ProcStat.parse("no parentheses here"));
        assertEquals(Optional.empty(), ProcStat.parse("1 (x) S 2"));
        assertEquals(Optional.empty(), ProcStat.read(Long.MAX_VALUE));
    }
}
