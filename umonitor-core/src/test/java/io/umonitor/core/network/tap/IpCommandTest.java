package io.umonitor.core.network.tap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.umonitor.api.ProvisioningException;
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
    void anIpThatHangsWithItsOutputOpenIsKilledAtTheTimeout() {
        // Before, stdout was read to its end before the timeout started: this waited the full 60 s.
        IpCommand ip = new IpCommand(List.of(), STAND_IN_IP, null, Duration.ofMillis(300));
        ProvisioningException e = assertThrows(ProvisioningException.class,
                () -> ip.run("-c", "echo partial; exec sleep 60"));
        assertTrue(e.getMessage().contains("did not finish within 300 ms and was killed"), e.getMessage());
    }

    @Test
    void outputAndExitCodeComeBackUntranslated() {
        IpCommand ip = new IpCommand(List.of(), STAND_IN_IP, null, Duration.ofSeconds(20));
        IpCommand.Result r = ip.run("-c", "echo \"$LC_ALL\"; echo 'RTNETLINK answers: File exists' >&2; exit 2");
        assertEquals(2, r.exitCode());
        assertEquals("C\n", r.stdout());
        assertTrue(IpCommand.fixFor(r).contains("another process created"), IpCommand.fixFor(r));
    }
}
