package io.umonitor.core.network.tap;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.umonitor.api.ProvisioningException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A command that hangs with its output open (a wedged {@code ip} on an overloaded host) is killed at the
 * timeout; the provisioner does not wait for it forever. {@code sleep} stands in for the hanging {@code ip}.
 */
class IpCommandTimeoutTest {

    @Test
    void aHangingCommandIsKilledAtTheTimeoutAndTheCallFailsSayingSo() {
        IpCommand hanging = new IpCommand(List.of(), Path.of("/bin/sleep"), null, Duration.ofSeconds(1));
        ProvisioningException e = assertTimeoutPreemptively(Duration.ofSeconds(15),
                () -> assertThrows(ProvisioningException.class, () -> hanging.run("60")),
                "the 1 s timeout must fire even though the command keeps its stdout open");
        assertTrue(e.getMessage().contains("did not finish within 1 s and was killed"), e.getMessage());
        assertTrue(e.getMessage().contains("/bin/sleep 60"), e.getMessage());
    }
}
