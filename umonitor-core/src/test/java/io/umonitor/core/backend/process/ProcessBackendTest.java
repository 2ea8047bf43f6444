package io.umonitor.core.backend.process;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.umonitor.api.ExitClassification;
import io.umonitor.api.ExitInfo;
import io.umonitor.core.internal.Tokens;
import io.umonitor.kit.process.ProcessExit;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ProcessBackendTest {

    private static ExitInfo classify(int exitValue, boolean stopRequested) {
        return ProcessBackend.classify(ProcessExit.fromExitValue(exitValue, stopRequested, 0));
    }

    @Test
    void classifiesExits() {
        assertEquals(ExitClassification.NORMAL, classify(0, false).classification());
        ExitInfo failure = classify(3, false);
        assertEquals(ExitClassification.FAILURE, failure.classification());
        assertEquals(3, failure.exitCode());
        assertEquals(ExitClassification.CRASH, classify(128 + 11, false).classification());
        assertEquals(ExitClassification.CRASH, classify(128 + 6, false).classification());
        ExitInfo killed = classify(128 + 9, false);
        assertEquals(ExitClassification.KILLED, killed.classification());
        assertEquals(9, killed.signal());
        assertTrue(killed.description().contains("SIGKILL"), killed.description());
        assertEquals(ExitClassification.KILLED, classify(128 + 15, false).classification());
        assertEquals(ExitClassification.STOPPED, classify(128 + 15, true).classification());
        assertEquals(ExitClassification.STOPPED, classify(128 + 9, true).classification());
        assertEquals(ExitClassification.STOPPED, classify(0, true).classification());
    }

    @Test
    void tokensAre128RandomBitsInHex() {
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < 1000; i++) {
            String token = Tokens.next();
            assertTrue(token.matches("[0-9a-f]{32}"), token);
            assertTrue(seen.add(token), "repeated token " + token);
        }
    }
}
