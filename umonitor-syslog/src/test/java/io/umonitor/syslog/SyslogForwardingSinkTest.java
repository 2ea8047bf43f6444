package io.umonitor.syslog;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.umonitor.api.ConfigurationException;
import io.umonitor.api.spi.ProviderContext;
import io.umonitor.core.Monitor;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SyslogForwardingSinkTest {
    @TempDir
    Path dir;

    @Test
    void withoutAForwardAddressTheSinkIsOffAndTheMonitorGivesItNoThread() {
        SyslogForwardingSink sink = new SyslogForwardingSink();
        try (Monitor monitor = Monitor.builder().discoverProviders(false).sink(sink).stateDirectory(dir.resolve("s"))
                .workDirectory(dir.resolve("w")).closeOnJvmExit(false).build()) {
            assertFalse(sink.isEnabled());
            assertTrue(Thread.getAllStackTraces().keySet().stream()
                    .noneMatch(t -> t.getName().contains("sink-syslog") || t.getName().contains("syslog-forward")),
                    "no sink thread and no forwarder for a sink that is off");
        }
    }

    @Test
    void everyInvalidForwardSettingIsNamedInOneError() {
        SyslogForwardingSink sink = new SyslogForwardingSink();
        ConfigurationException e = assertThrows(ConfigurationException.class, () -> sink.open(new ProviderContext(
                Map.of("forward.address", "nowhere", "forward.facility", "kitchen", "forward.sdId", "has space",
                        "forward.tlsCa", "/x.pem", "forward.bogus", "1"), dir, dir)));
        for (String named : new String[] {"syslog.forward.address", "syslog.forward.facility", "syslog.forward.sdId",
            "syslog.forward.tls is not true", "syslog.forward.bogus"}) {
            assertTrue(e.getMessage().contains(named), named + " in: " + e.getMessage());
        }
    }
}
