package io.umonitor.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.umonitor.api.ConfigurationException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The {@code log.*} settings and the builder's own values as a Java user gives them: every bad one named, with its fix, in one error. */
class LogSettingsTest {
    @TempDir
    Path dir;

    private Monitor.Builder builder() {
        return Monitor.builder().discoverProviders(false).stateDirectory(dir.resolve("state"))
                .workDirectory(dir.resolve("work")).closeOnJvmExit(false);
    }

    @Test
    void everyInvalidLogSettingIsNamedWithItsFixInOneError() {
        ConfigurationException e = assertThrows(ConfigurationException.class, () -> builder()
                .property("log.historySize", "0").property("log.maxFrameLength", "70000")
                .property("log.tcpAddress", "localhost").property("log.reportIntervalMs", "soon")
                .property("log.memoryBudgetBytes", "1000").property("log.colour", "red").build());
        assertNamesExactly(e.getMessage(),
            "unknown setting(s) [log.colour]",
            "log.historySize is '0': use 1 or more",
            "log.maxFrameLength is '70000': use 64 to 65535",
            "log.tcpAddress is 'localhost': use host:port",
            "log.reportIntervalMs is 'soon': use a whole number",
            "log.memoryBudgetBytes is '1000': use 0 (a quarter of the heap) or at least 4194304");
    }

    @Test
    void negativeBuilderValuesAreNamedByTheirCallsInOneErrorFromBuild() {
        Monitor.Builder builder = builder().stopGrace(java.time.Duration.ofSeconds(-1)).consoleLinesKept(-2)
                .senderLinger(java.time.Duration.ofMillis(-5));
        ConfigurationException e = assertThrows(ConfigurationException.class, builder::build);
        assertNamesExactly(e.getMessage(),
            "Monitor.Builder.stopGrace(PT-1S) is negative: use Duration.ZERO or more",
            "Monitor.Builder.consoleLinesKept(-2) is negative: use 0 or more",
            "Monitor.Builder.senderLinger(PT-0.005S) is negative: use Duration.ZERO or more");
    }

    @Test
    void validLogSettingsReachTheHub() {
        try (Monitor monitor = builder().property("log.historySize", "3").property("log.udpAddress", "off")
                .property("log.tcpAddress", "127.0.0.1:0").build()) {
            assertEquals(1, monitor.endpoints().size(), monitor.endpoints().toString());
        }
    }

    /** The one error names each problem and nothing else ("; " separates them). */
    private static void assertNamesExactly(String message, String... problems) {
        for (String expected : problems) {
            assertTrue(message.contains(expected), expected + " in: " + message);
        }
        assertEquals(problems.length, message.split("; ").length, message);
    }
}
