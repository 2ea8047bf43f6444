package io.umonitor.examples.iarnet;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.umonitor.api.BackendUnavailableException;
import io.umonitor.api.ConfigurationException;
import io.umonitor.core.Monitor;
import io.umonitor.core.backend.process.ProcessBackend;
import io.umonitor.core.gateway.GatewayOptions;
import io.umonitor.solo5.MirageBuilder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The provider's failures before anything runs: no gateway, and build tools that are not installed. */
class IarnetProviderMissingToolsTest {

    @Test
    void deployingWithoutTheMirageToolNamesIt(@TempDir Path dir) throws Exception {
        Path emptyPath = Files.createDirectories(dir.resolve("no-tools"));
        try (Monitor monitor = Monitor.builder().discoverProviders(false).backend(new ProcessBackend())
                .invocationGateway(GatewayOptions.defaults().withWebPageAddress(null)).build()) {
            IarnetProvider provider = new IarnetProvider(monitor,
                    MirageBuilder.create(dir.resolve("cache")).withSearchPath(emptyPath.toString()), dir.resolve("work"));
            BackendUnavailableException e = assertThrows(BackendUnavailableException.class,
                    () -> provider.deploy("adder", UnikernelSourcesTest.ADDER, Duration.ofSeconds(5)));
            assertTrue(e.getMessage().contains("mirage"), e.getMessage());
            assertTrue(Files.exists(dir.resolve("work/functions/adder/handlers.ml")), "sources were generated first");
            assertTrue(monitor.find("adder").isEmpty(), "nothing was launched");
        }
    }

    @Test
    void aMonitorWithoutGatewayIsRefused(@TempDir Path dir) {
        try (Monitor monitor = Monitor.builder().discoverProviders(false).backend(new ProcessBackend()).build()) {
            ConfigurationException e = assertThrows(ConfigurationException.class,
                    () -> new IarnetProvider(monitor, MirageBuilder.create(dir), dir));
            assertTrue(e.getMessage().contains("invocationGateway"), e.getMessage());
        }
    }
}
