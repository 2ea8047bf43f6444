package io.umonitor.solo5;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.umonitor.api.ConfigurationException;
import io.umonitor.api.UnikernelSpec;
import io.umonitor.api.spi.ProviderContext;
import io.umonitor.api.spi.UnikernelBackend;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class Solo5BackendTest {

    @Test
    void isFoundByTheServiceLoader() {
        List<String> ids = ServiceLoader.load(UnikernelBackend.class).stream().map(p -> p.get().id()).toList();
        assertTrue(ids.contains("solo5"), ids.toString());
    }

    @Test
    void refusesUnknownSettingsAndAHomeThatIsNoDirectory(@TempDir Path dir) {
        Solo5Backend backend = new Solo5Backend();
        ConfigurationException unknown = assertThrows(ConfigurationException.class, () -> backend.initialize(
                new ProviderContext(Map.of("hoem", "/x"), dir, dir)));
        assertTrue(unknown.getMessage().contains("hoem") && unknown.getMessage().contains("[home]"), unknown.getMessage());
        ConfigurationException notDir = assertThrows(ConfigurationException.class, () -> backend.initialize(
                new ProviderContext(Map.of("home", dir.resolve("nope").toString()), dir, dir)));
        assertTrue(notDir.getMessage().contains("solo5.home="), notDir.getMessage());
    }

    @Test
    void anEmptyHomeIsUnusableWithTheFixUnlessSolo5IsOnPath(@TempDir Path dir) {
        Solo5Backend backend = new Solo5Backend();
        backend.initialize(new ProviderContext(Map.of("home", dir.toString()), dir, dir));
        Solo5Installation onPath = Solo5Installation.locate(java.util.Optional.empty(), System.getenv("PATH"));
        if (onPath.elftool().isEmpty()) {
            String reason = backend.availability().reason();
            assertTrue(reason.contains("solo5-elftool") && reason.contains(dir.toString())
                    && reason.contains("UMONITOR_SOLO5_HOME"), reason);
        }
    }

    @Test
    void aMissingImageIsAConfigurationError(@TempDir Path dir) {
        Solo5Backend backend = new Solo5Backend();
        UnikernelSpec spec = UnikernelSpec.builder("gone", dir.resolve("gone.spt")).build();
        ConfigurationException e = assertThrows(ConfigurationException.class,
                () -> backend.launch(TestRequests.request(spec, List.of(), List.of(), dir)));
        assertTrue(e.getMessage().contains("gone.spt") && e.getMessage().contains("is not a file"), e.getMessage());
        assertEquals("solo5", backend.id());
    }
}
