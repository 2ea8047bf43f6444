package io.umonitor.solo5;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.umonitor.api.ConfigurationException;
import io.umonitor.api.ExitClassification;
import io.umonitor.api.ExitInfo;
import io.umonitor.api.NetworkSpec;
import io.umonitor.api.UnikernelSpec;
import io.umonitor.api.spi.GuestOutput;
import io.umonitor.api.spi.LaunchRequest;
import io.umonitor.api.spi.LaunchedUnikernel;
import io.umonitor.testkit.Await;
import io.umonitor.testkit.RecordingGuestOutput;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Solo5's own test kernels through the backend, on the real tenders. Prefers spt: on the machines this was
 * written on, /dev/kvm is a software hypervisor on which a guest's first SSE instruction fails, so only
 * FPU-free kernels (Solo5's C tests, not MirageOS) run on hvt.
 */
class Solo5BackendIT {

    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    @TempDir
    Path run;

    private final Solo5Backend backend = new Solo5Backend();

    private record Ran(ExitInfo exit, RecordingGuestOutput output, LaunchedUnikernel unikernel) {
    }

    private Ran run(UnikernelSpec spec) throws Exception {
        RecordingGuestOutput output = new RecordingGuestOutput();
        LaunchedUnikernel u = backend.launch(new LaunchRequest(spec, "t0k3n", List.of(), List.of(), output, run));
        ExitInfo exit = u.exit().get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        System.out.println("[" + spec.name() + "] " + exit.classification() + " exit=" + exit.exitCode() + " signal="
                + exit.signal() + " " + exit.description());
        output.lines(GuestOutput.Stream.STDOUT).forEach(l -> System.out.println("[" + spec.name() + "] | " + l));
        output.lines(GuestOutput.Stream.STDERR).forEach(l -> System.out.println("[" + spec.name() + "] ! " + l));
        return new Ran(exit, output, u);
    }

    @Test
    void helloOnSptExitsNormallyWithItsConsoleCaptured() throws Exception {
        Path kernel = Solo5TestKernels.requireKernel("test_hello", Tender.SPT);
        Ran r = run(UnikernelSpec.builder("hello-spt", kernel).argument("first").memoryMb(32)
                .environment("LANG", "C").build());
        assertEquals(ExitClassification.NORMAL, r.exit().classification());
        assertEquals(0, r.exit().exitCode());
        assertTrue(r.output().lines(GuestOutput.Stream.STDOUT).contains("Hello, World"), r.output().lines(GuestOutput.Stream.STDOUT).toString());
        // test_hello links no umonitor client, so it gets its own arguments only, and its log says why (issue 15).
        assertTrue(r.output().lines(GuestOutput.Stream.STDOUT).contains("Command line is: 'first'"), r.output().all());
        assertTrue(r.output().notes().stream().anyMatch(n -> n.startsWith("INFO no --umonitor-* boot arguments")
                && n.contains("solo5.umonitor-arguments=true")), r.output().notes().toString());
        assertTrue(r.output().notes().stream().anyMatch(n -> n.startsWith("WARN the environment [LANG] is not passed")),
                r.output().notes().toString());
        assertTrue(r.output().lines(GuestOutput.Stream.STDOUT).contains("Solo5: Memory map: 32 MB addressable:"), r.output().lines(GuestOutput.Stream.STDOUT).toString());
        assertEquals(1, r.output().runningCalls());
        assertTrue(r.output().notes().get(0).contains("solo5-spt v0.12") || r.output().notes().get(0).contains("solo5-spt v"),
                r.output().notes().toString());
    }

    @Test
    void helloOnSptGetsTheUmonitorKeysWhenAsked() throws Exception {
        Path kernel = Solo5TestKernels.requireKernel("test_hello", Tender.SPT);
        Ran r = run(UnikernelSpec.builder("hello-keys", kernel).argument("first").memoryMb(8)
                .option("solo5.umonitor-arguments", "true").build());
        assertEquals(ExitClassification.NORMAL, r.exit().classification());
        assertTrue(r.output().lines(GuestOutput.Stream.STDOUT).contains(
                "Command line is: 'first --umonitor-name=hello-keys --umonitor-token=t0k3n'"), r.output().all());
    }

    @Test
    void moreThanOneCpuIsRefusedBeforeAnythingRuns() {
        Path kernel = Solo5TestKernels.requireKernel("test_hello", Tender.SPT);
        io.umonitor.api.ConfigurationException e = org.junit.jupiter.api.Assertions.assertThrows(
                io.umonitor.api.ConfigurationException.class, () -> run(UnikernelSpec.builder("smp", kernel).cpus(4).build()));
        assertTrue(e.getMessage().contains("asks for 4 CPUs") && e.getMessage().contains("set cpus to 0 or 1"),
                e.getMessage());
    }

    @Test
    void helloOnHvt() throws Exception {
        Path kernel = Solo5TestKernels.requireKernel("test_hello", Tender.HVT);
        Ran r = run(UnikernelSpec.builder("hello-hvt", kernel).option("solo5.umonitor-arguments", "false").build());
        assertEquals(ExitClassification.NORMAL, r.exit().classification());
        assertTrue(r.output().lines(GuestOutput.Stream.STDOUT).contains("Command line is: ''"), r.output().lines(GuestOutput.Stream.STDOUT).toString());
    }

    @Test
    void aGuestFaultOnSptIsACrashBySignal() throws Exception {
        Path kernel = Solo5TestKernels.requireKernel("test_exception", Tender.SPT);
        Ran r = run(UnikernelSpec.builder("exception-spt", kernel).build());
        assertEquals(ExitClassification.CRASH, r.exit().classification());
        assertEquals(139, r.exit().exitCode());
        assertEquals(11, r.exit().signal());
    }

    @Test
    void aTrapOnHvtIsACrashWithRegisters() throws Exception {
        Path kernel = Solo5TestKernels.requireKernel("test_exception", Tender.HVT);
        Ran r = run(UnikernelSpec.builder("exception-hvt", kernel).build());
        assertEquals(ExitClassification.CRASH, r.exit().classification());
        assertEquals(255, r.exit().exitCode());
        assertTrue(r.exit().description().contains("Fatal trap") && r.exit().description().contains("rip=0x"),
                r.exit().description());
    }

    @Test
    void stackSmashingAbortsOnSpt() throws Exception {
        Path kernel = Solo5TestKernels.requireKernel("test_ssp", Tender.SPT);
        Ran r = run(UnikernelSpec.builder("ssp-spt", kernel).build());
        assertEquals(ExitClassification.CRASH, r.exit().classification());
        assertEquals(255, r.exit().exitCode());
        assertEquals("Solo5: ABORT: Stack corruption detected", r.exit().description());
    }

    @Test
    void tooLittleMemoryOnHvtSaysWhatToRaise() throws Exception {
        Path kernel = Solo5TestKernels.requireKernel("test_hello", Tender.HVT);
        Ran r = run(UnikernelSpec.builder("tiny-hvt", kernel).memoryMb(2).build());
        assertEquals(ExitClassification.CRASH, r.exit().classification());
        assertTrue(r.exit().description().contains("Not enough memory")
                && r.exit().description().contains("memoryMb (now 2 MB)"), r.exit().description());
    }

    @Test
    void fpuOnHvt() throws Exception {
        Path kernel = Solo5TestKernels.requireKernel("test_fpu", Tender.HVT);
        Ran r = run(UnikernelSpec.builder("fpu-hvt", kernel).build());
        // Real KVM runs it; the software hypervisor here fails the first SSE instruction in the tender.
        if (r.exit().classification() != ExitClassification.NORMAL) {
            assertEquals(ExitClassification.LAUNCHER_ERROR, r.exit().classification());
            assertTrue(r.exit().description().contains("KVM: internal error exit"), r.exit().description());
        }
    }

    @Test
    void fpuOnSpt() throws Exception {
        Path kernel = Solo5TestKernels.requireKernel("test_fpu", Tender.SPT);
        assertEquals(ExitClassification.NORMAL, run(UnikernelSpec.builder("fpu-spt", kernel).build()).exit()
                .classification());
    }

    @Test
    void aSpecThatDoesNotMatchTheManifestIsRefusedBeforeLaunch() {
        Path net = Solo5TestKernels.requireKernel("test_net", Tender.SPT);
        ConfigurationException missing = assertThrows(ConfigurationException.class, () -> backend.launch(
                new LaunchRequest(UnikernelSpec.builder("net", net).build(), "t", List.of(), List.of(),
                        new RecordingGuestOutput(), run)));
        assertTrue(missing.getMessage().contains("declares network device 'service0' (NET_BASIC) but the spec does "
                + "not attach it"), missing.getMessage());
        Path hello = Solo5TestKernels.requireKernel("test_hello", Tender.SPT);
        ConfigurationException extra = assertThrows(ConfigurationException.class, () -> backend.launch(
                new LaunchRequest(UnikernelSpec.builder("hello", hello).network(NetworkSpec.tap("service0"))
                        .network(NetworkSpec.tap("admin")).build(), "t", List.of(), List.of(), new RecordingGuestOutput(), run)));
        assertTrue(extra.getMessage().contains("'service0' is not declared")
                && extra.getMessage().contains("'admin' is not declared"), extra.getMessage());
    }

    @Test
    void aTenderThatDoesNotMatchTheImageIsRefused() {
        Path hello = Solo5TestKernels.requireKernel("test_hello", Tender.SPT);
        ConfigurationException e = assertThrows(ConfigurationException.class, () -> backend.launch(
                new LaunchRequest(UnikernelSpec.builder("hello", hello).option("solo5.tender", "hvt").build(), "t",
                        List.of(), List.of(), new RecordingGuestOutput(), run)));
        assertTrue(e.getMessage().contains("built for spt"), e.getMessage());
    }

    @Test
    void debugModeWaitsForGdbAndSaysHowToAttach() throws Exception {
        Path kernel = Solo5TestKernels.requireKernel("test_hello", Tender.HVT);
        RecordingGuestOutput output = new RecordingGuestOutput();
        LaunchedUnikernel u = backend.launch(new LaunchRequest(UnikernelSpec.builder("debug-hvt", kernel)
                .option("solo5.debug", "true").build(), "t", List.of(), List.of(), output, run));
        try {
            String gdb = u.details().get("gdb");
            assertTrue(gdb.matches("gdb -ex 'target remote localhost:\\d+' .*test_hello\\.hvt"), gdb);
            assertTrue(output.notes().stream().anyMatch(n -> n.contains(gdb)), output.notes().toString());
            assertTrue(Await.within(TIMEOUT, () -> output.lines(GuestOutput.Stream.STDERR).stream()
                    .anyMatch(l -> l.contains("Waiting for a debugger"))), output.all());
            assertEquals(0, output.runningCalls(), "the guest waits for the debugger");
        } finally {
            u.stop(Duration.ofSeconds(5));
        }
        ExitInfo exit = u.exit().get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        assertEquals(ExitClassification.STOPPED, exit.classification());
        System.out.println("[debug-hvt] " + exit + " " + output.lines(GuestOutput.Stream.STDERR));
    }

    @Test
    void pinnedToACpuWithResourceAccounting() throws Exception {
        Solo5TestKernels.requireKernel("test_hello", Tender.SPT);
        org.junit.jupiter.api.Assumptions.assumeTrue(java.nio.file.Files.isExecutable(Path.of("/usr/bin/taskset")),
                "taskset not found: install util-linux");
        RecordingGuestOutput output = new RecordingGuestOutput();
        LaunchedUnikernel u = backend.launch(new LaunchRequest(UnikernelSpec.builder("pinned",
                TestGuest.withoutNetwork(Tender.SPT)).argument("serve").option("solo5.cpus", "0").build(), "t",
                List.of(), List.of(), output, run));
        try {
            assertTrue(Await.within(TIMEOUT, () -> output.hasLineContaining("umt_guest: waiting")), output.lines(GuestOutput.Stream.STDOUT).toString());
            long pid = u.pid().orElseThrow();
            String status = java.nio.file.Files.readString(Path.of("/proc/" + pid + "/status"));
            assertTrue(status.contains("Cpus_allowed_list:\t0\n"), status);
            assertTrue(java.nio.file.Files.readString(Path.of("/proc/" + pid + "/comm")).startsWith("solo5-spt"),
                    "taskset execs the tender, so the pid is the tender's");
            java.util.Map<String, String> details = u.details();
            System.out.println("[pinned] details " + details);
            assertEquals("0", details.get("cpus"));
            assertEquals("512", details.get("memory-mb"));
            assertTrue(details.get("bindings-version").startsWith("v"), details.toString());
            assertTrue(details.get("command").startsWith("taskset -c 0 "), details.get("command"));
            assertTrue(Long.parseLong(details.get("rss-kb")) > 0, details.toString());
            assertTrue(details.containsKey("cpu-time-ms"), details.toString());
        } finally {
            u.stop(Duration.ofSeconds(5));
        }
        assertEquals(ExitClassification.STOPPED, u.exit().get(TIMEOUT.toSeconds(), TimeUnit.SECONDS).classification());
    }
}
