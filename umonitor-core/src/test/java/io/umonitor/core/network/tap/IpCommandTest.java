package io.umonitor.core.network.tap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** IpCommand with /bin/sh standing in for ip (the arguments are a script), so no root is needed. */
@Timeout(30)
class IpCommandTest {

    private static final Path STAND_IN_IP = Path.of("/bin/sh");

    @Test
    void outputAndExitCodeComeBackUntranslated() {
        IpCommand ip = new IpCommand(List.of(), STAND_IN_IP, null, Duration.ofSeconds(20));
        IpCommand.Result r = ip.run("-c", "echo \"$LC_ALL\"; echo 'RTNETLINK answers: File exists' >&2; exit 2");
        assertEquals(2, r.exitCode());
        assertEquals("C\n", r.stdout());
        assertTrue(IpCommand.fixFor(r).contains("another process created"), IpCommand.fixFor(r));
    }
}
