package io.umonitor.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.umonitor.api.BackendUnavailableException;
import io.umonitor.api.ConfigurationException;
import io.umonitor.api.NetworkSpec;
import io.umonitor.api.UnikernelHandle;
import io.umonitor.api.UnikernelSpec;
import io.umonitor.api.Availability;
import io.umonitor.api.spi.ImageRecognition;
import io.umonitor.api.spi.ProviderContext;
import io.umonitor.api.spi.UnikernelBackend;
import io.umonitor.core.backend.process.ProcessBackend;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MonitorDiscoveryTest {
    private final RecordingFakeLogHub hub = new RecordingFakeLogHub();

    @TempDir
    Path state;

    private Monitor.Builder builder() {
        // Its own state directory: the discovered tap provisioner looks there for leftovers of other monitors.
        return Monitor.builder().logHubFactory(config -> hub).stateDirectory(state);
    }

    private static UnikernelSpec spec(String backend) {
        return UnikernelSpec.builder("guest", Path.of("/bin/true")).backend(backend).build();
    }

    /** A second class claiming the id "process". */
    static final class ImpostorBackend extends MarkerBackend {
        ImpostorBackend() {
            super("process", Availability.usable());
        }
    }

    /** Fails in initialize, as a misconfigured backend would. */
    static final class FailingInitBackend extends MarkerBackend {
        FailingInitBackend() {
            super("fragile", Availability.usable());
        }

        @Override
        public void initialize(ProviderContext context) {
            throw new ConfigurationException("fragile.device is missing: set it to /dev/fragile");
        }
    }

    @Test
    void theProcessBackendIsFoundWithServiceLoader() {
        try (Monitor monitor = builder().build()) {
            assertEquals(Availability.usable(), monitor.backends().get("process"));
        }
    }

    @Test
    void theSameClassPassedAndDiscoveredIsOneProvider() {
        try (Monitor monitor = builder().backend(new ProcessBackend()).build()) {
            assertEquals(List.of("process"), List.copyOf(monitor.backends().keySet()));
        }
    }

    @Test
    void duplicateIdsAreAnErrorNamingBothClasses() {
        ConfigurationException e = assertThrows(ConfigurationException.class,
                () -> builder().backend(new ImpostorBackend()).build());
        assertTrue(e.getMessage().contains(ProcessBackend.class.getName()), e.getMessage());
        assertTrue(e.getMessage().contains(ImpostorBackend.class.getName()), e.getMessage());
        assertTrue(e.getMessage().contains("'process'"), e.getMessage());
    }

    @Test
    void noUsableBackendListsEverythingFoundAndWhy() {
        try (Monitor monitor = builder().discoverProviders(false)
                .backend(new MarkerBackend("solo5", Availability.unusable("solo5-hvt not found on PATH: build Solo5")))
                .backend(new MarkerBackend("qemu", Availability.unusable("qemu-system-x86_64 not found: apt-get install qemu-system-x86")))
                .build()) {
            BackendUnavailableException e = assertThrows(BackendUnavailableException.class,
                    () -> monitor.launch(spec(null)));
            assertTrue(e.getMessage().contains("solo5 (unusable: solo5-hvt not found on PATH: build Solo5)"), e.getMessage());
            assertTrue(e.getMessage().contains("qemu (unusable: qemu-system-x86_64 not found"), e.getMessage());
            BackendUnavailableException named = assertThrows(BackendUnavailableException.class,
                    () -> monitor.launch(spec("solo5")));
            assertTrue(named.getMessage().contains("cannot run here: solo5-hvt not found"), named.getMessage());
            BackendUnavailableException unknown = assertThrows(BackendUnavailableException.class,
                    () -> monitor.launch(spec("xen")));
            assertTrue(unknown.getMessage().contains("'xen'") && unknown.getMessage().contains("not installed"),
                    unknown.getMessage());
            assertTrue(monitor.unikernels().isEmpty());
        }
    }

    @Test
    void nothingInstalledSaysWhatTheClasspathHoldsInTheProvidersOwnWords() {
        try (Monitor monitor = builder().discoverProviders(false).build()) {
            BackendUnavailableException e = assertThrows(BackendUnavailableException.class,
                    () -> monitor.launch(spec(null)));
            assertTrue(e.getMessage().contains("no backend at all"), e.getMessage());
            // The process backend is on this classpath and says which module it comes from.
            assertTrue(e.getMessage().contains("process (io.umonitor:umonitor-core)"), e.getMessage());
            assertTrue(e.getMessage().contains("discoverProviders(true)"), e.getMessage());
        }
    }

    @Test
    void anUnusableBackendIsListedWithTheModuleItSaysItComesFrom() {
        UnikernelBackend broken = new MarkerBackend("vmm", Availability.unusable("vmm-binary not found: install it")) {
            @Override
            public String artifact() {
                return "org.example:umonitor-vmm";
            }
        };
        try (Monitor monitor = builder().discoverProviders(false).backend(broken).build()) {
            BackendUnavailableException e = assertThrows(BackendUnavailableException.class,
                    () -> monitor.launch(spec(null)));
            assertTrue(e.getMessage().contains("vmm (unusable: vmm-binary not found: install it) from "
                    + "org.example:umonitor-vmm"), e.getMessage());
        }
    }

    @Test
    void severalUsableBackendsNeedAChoiceWhenNoneRecognisesTheImage(@TempDir Path dir) throws Exception {
        Path text = Files.writeString(dir.resolve("notes.txt"), "not a program\n");
        try (Monitor monitor = builder().backend(new MarkerBackend()).build()) {
            ConfigurationException e = assertThrows(ConfigurationException.class,
                    () -> monitor.launch(UnikernelSpec.builder("guest", text).build()));
            assertTrue(e.getMessage().contains("[process, marker]") || e.getMessage().contains("[marker, process]"),
                    e.getMessage());
            assertTrue(e.getMessage().contains("process: not an ELF executable or a #! script"), e.getMessage());
            assertTrue(e.getMessage().contains(".backend(\"ID\")"), e.getMessage());
        }
    }

    @Test
    void theOnlyUsableBackendThatRecognisesTheImageRunsIt() {
        try (Monitor monitor = builder().backend(new MarkerBackend()).build()) {
            UnikernelHandle h = monitor.launch(spec(null));
            assertEquals("process", h.backendId(), "/bin/true is a program for this host; marker cannot tell");
            h.termination().join();
        }
    }

    /** Claims every image, as a careless backend might. */
    static final class GreedyBackend extends MarkerBackend {
        GreedyBackend(Availability availability) {
            super("greedy", availability);
        }

        @Override
        public ImageRecognition recognise(Path image) {
            return ImageRecognition.recognised("anything at all");
        }
    }

    @Test
    void twoBackendsRecognisingTheImageNeedAChoiceNamingBoth() {
        try (Monitor monitor = builder().backend(new GreedyBackend(Availability.usable())).build()) {
            ConfigurationException e = assertThrows(ConfigurationException.class, () -> monitor.launch(spec(null)));
            assertTrue(e.getMessage().contains("recognised by 2 backends"), e.getMessage());
            assertTrue(e.getMessage().contains("greedy: anything at all"), e.getMessage());
        }
    }

    @Test
    void aRecognisingBackendThatCannotRunHereSaysWhyInsteadOfFallingBack(@TempDir Path dir) throws Exception {
        Path text = Files.writeString(dir.resolve("image.bin"), "unikernel\n");
        try (Monitor monitor = builder().backend(new GreedyBackend(Availability.unusable("greedy-vmm not found: install it")))
                .build()) {
            BackendUnavailableException e = assertThrows(BackendUnavailableException.class,
                    () -> monitor.launch(UnikernelSpec.builder("guest", text).build()));
            assertTrue(e.getMessage().contains("is anything at all, which backend 'greedy' runs, but it cannot run here: "
                    + "greedy-vmm not found"), e.getMessage());
        }
    }

    @Test
    void anImageThatDoesNotExistSaysSo() {
        try (Monitor monitor = builder().backend(new MarkerBackend()).build()) {
            ConfigurationException e = assertThrows(ConfigurationException.class,
                    () -> monitor.launch(UnikernelSpec.builder("guest", Path.of("/nonexistent/guest")).build()));
            assertTrue(e.getMessage().contains("image /nonexistent/guest of unikernel 'guest' does not exist"), e.getMessage());
        }
    }

    /** Fails while looking at an image. */
    static final class ClumsyBackend extends MarkerBackend {
        ClumsyBackend() {
            super("clumsy", Availability.usable());
        }

        @Override
        public ImageRecognition recognise(Path image) {
            throw new IllegalStateException("bug in recognise");
        }
    }

    @Test
    void aBackendFailingToInspectAnImageDoesNotStopTheChoice() {
        try (Monitor monitor = builder().backend(new ClumsyBackend()).build()) {
            UnikernelHandle h = monitor.launch(spec(null));
            assertEquals("process", h.backendId());
            h.termination().join();
        }
    }

    @Test
    void aBrokenProviderIsReportedAndSkipped(@TempDir Path dir) throws Exception {
        Path services = Files.createDirectories(dir.resolve("META-INF/services"));
        Files.writeString(services.resolve(UnikernelBackend.class.getName()), "com.example.MissingBackend\n");
        try (URLClassLoader loader = new URLClassLoader(new URL[] {dir.toUri().toURL()}, getClass().getClassLoader());
                Monitor monitor = builder().classLoader(loader).build()) {
            assertEquals(Availability.usable(), monitor.backends().get("process"), "the good provider still works");
            BackendUnavailableException e = assertThrows(BackendUnavailableException.class,
                    () -> monitor.launch(spec("xen")));
            assertTrue(e.getMessage().contains("com.example.MissingBackend"), e.getMessage());
        }
    }

    @Test
    void aSettingForNoInstalledProviderIsRejected() {
        ConfigurationException e = assertThrows(ConfigurationException.class,
                () -> builder().property("solo6.tender", "hvt").property("noprefix", "x").build());
        assertTrue(e.getMessage().contains("'solo6.tender'") && e.getMessage().contains("'noprefix'"), e.getMessage());
    }

    @Test
    void anUnknownSettingOfAProviderIsRejectedByTheProvider() {
        ConfigurationException e = assertThrows(ConfigurationException.class,
                () -> builder().property("process.colour", "blue").build());
        assertTrue(e.getMessage().contains("colour"), e.getMessage());
    }

    @Test
    void aProviderThatFailsToInitializeIsUnusableUnlessConfigured() {
        try (Monitor monitor = builder().backend(new FailingInitBackend()).build()) {
            assertTrue(monitor.backends().get("fragile").reason().contains("fragile.device is missing"));
        }
        ConfigurationException e = assertThrows(ConfigurationException.class,
                () -> builder().backend(new FailingInitBackend()).property("fragile.mode", "x").build());
        assertTrue(e.getMessage().contains("fragile.device is missing"), e.getMessage());
    }

    @Test
    void tapDevicesWithoutAProvisionerAreRefusedAtOnce() {
        try (Monitor monitor = builder().discoverProviders(false).backend(new ProcessBackend()).build()) {
            UnikernelSpec spec = UnikernelSpec.builder("net", Path.of("/bin/true")).network(NetworkSpec.tap("service0"))
                    .build();
            BackendUnavailableException e = assertThrows(BackendUnavailableException.class, () -> monitor.launch(spec));
            assertTrue(e.getMessage().contains("TAP") && e.getMessage().contains("no network provisioner"), e.getMessage());
        }
    }

    @Test
    void attachModeIsPassedToTheLogging() {
        try (Monitor monitor = builder().acceptAttachedSenders("s3cret").build()) {
            assertEquals("s3cret", hub.attachToken);
        }
    }
}
