package io.umonitor.core;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.umonitor.api.ExitClassification;
import io.umonitor.api.ExitInfo;
import io.umonitor.api.LogFilter;
import io.umonitor.api.LogLevel;
import io.umonitor.api.LogOrigin;
import io.umonitor.api.LogRecord;
import io.umonitor.api.UnikernelHandle;
import io.umonitor.api.UnikernelSpec;
import io.umonitor.core.backend.process.ProcessBackend;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import io.umonitor.testkit.CClientGuests;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A C guest linked with the C client logs INFO, ERROR and FATAL and then crashes at once, the way a real
 * program dies on corrupt state: the records logged before the crash must be in its log every time, and the
 * crash must still be the crash (same signal, the caller's own handler still runs). Runs each kind of end
 * many times through the real collector, because a buffer that dies with the process loses records only most
 * of the time.
 */
@Timeout(180)
class CrashingCGuestIT {
    private static final int RUNS = Integer.getInteger("crashingGuest.runs", 20);
    private static final Duration WAIT = Duration.ofSeconds(20);
    /** How long records may still be on their way after the guest ended; they normally arrive in milliseconds. */
    private static final Duration ARRIVAL = Duration.ofSeconds(3);
    private static final String FATAL = "configuration is corrupt, aborting";
    private static final String CALLER_HANDLER_LINE = "caller's SIGSEGV handler ran";
    private static final String GUEST_SOURCE = """
            #define _POSIX_C_SOURCE 200809L
            #include <signal.h>
            #include <stdio.h>
            #include <stdlib.h>
            #include <string.h>
            #include <sys/resource.h>
            #include <unistd.h>
            #include "umonitor_log.h"

            static void caller_handler(int sig)
            {
                static const char line[] = "caller's SIGSEGV handler ran\\n";
                if (write(2, line, sizeof line - 1) < 0)
                    _exit(99);
                signal(sig, SIG_DFL);  /* returning repeats the fault, now fatal */
            }

            /* guest MODE: logs INFO, ERROR, FATAL, then ends by MODE: segv (NULL store), abort, handler (segv
             * with the caller's own SIGSEGV handler installed before the client), exit (exit(3)). */
            int main(int argc, char **argv)
            {
                const char *mode = argc > 1 ? argv[1] : "segv";
                struct rlimit no_core = { 0, 0 };
                volatile int *volatile nowhere = NULL;  /* volatile twice: the store must happen */
                setrlimit(RLIMIT_CORE, &no_core);  /* a crash test must not fill the disk with cores */
                if (strcmp(mode, "handler") == 0) {
                    struct sigaction sa;
                    memset(&sa, 0, sizeof sa);
                    sa.sa_handler = caller_handler;
                    sigemptyset(&sa.sa_mask);
                    sigaction(SIGSEGV, &sa, NULL);
                }
                if (umon_init_from_env() != UMON_OK) {
                    fprintf(stderr, "%s\\n", umon_init_error());
                    return 2;
                }
                send_log(UMON_INFO, "loading configuration");
                send_log(UMON_ERROR, "configuration has 3 invalid entries");
                send_log(UMON_FATAL, "configuration is corrupt, aborting");
                if (strcmp(mode, "abort") == 0)
                    abort();
                if (strcmp(mode, "exit") == 0)
                    exit(3);
                *nowhere = 1;
                return 0;
            }
            """;

    private static Path guest;

    @BeforeAll
    static void compileGuest(@TempDir Path dir) throws Exception {
        guest = CClientGuests.compile(dir, "crashing_guest", GUEST_SOURCE);
    }


    /** What one run left behind: its exit, the guest's own records, its console lines and its lost count. */
    private record Run(String name, ExitInfo exit, List<LogRecord> records, List<String> console, long lost) {
        boolean has(String message) {
            return records.stream().anyMatch(r -> r.message().equals(message));
        }
    }

    /**
     * Launches the guest RUNS times with mode and returns each run once its FATAL record arrived or
     * {@link #ARRIVAL} passed after the guest ended.
     */
    private static List<Run> runs(String mode, String transport, int count) throws Exception {
        List<Run> runs = new ArrayList<>();
        try (Monitor monitor = Monitor.builder().discoverProviders(false).backend(new ProcessBackend()).build()) {
            for (int i = 0; i < count; i++) {
                String name = "crash-" + mode + "-" + transport + "-" + i;
                UnikernelSpec.Builder spec = UnikernelSpec.builder(name, guest).argument(mode);
                LogOrigin origin = switch (transport) {
                    case "tcp" -> LogOrigin.TCP;
                    case "udp" -> {
                        spec.environment("UMONITOR_TCP", "");
                        yield LogOrigin.UDP;
                    }
                    default -> {
                        spec.environment("UMONITOR_TCP", "").environment("UMONITOR_UDP", "");
                        yield LogOrigin.CONSOLE;
                    }
                };
                UnikernelHandle handle = monitor.launch(spec.build());
                ExitInfo exit = handle.termination().get(WAIT.toSeconds(), TimeUnit.SECONDS);
                long deadline = System.nanoTime() + ARRIVAL.toNanos();
                List<LogRecord> records;
                do {
                    records = monitor.logs(name, LogFilter.ALL).stream()
                            .filter(r -> r.origin() == origin && r.sequence() >= 0).toList();
                    if (records.stream().anyMatch(r -> r.message().equals(FATAL))) {
                        break;
                    }
                    Thread.sleep(10);
                } while (System.nanoTime() < deadline);
                List<String> console = monitor.logs(name, LogFilter.ALL).stream()
                        .filter(r -> r.origin() == LogOrigin.CONSOLE).map(LogRecord::message).toList();
                runs.add(new Run(name, exit, records, console, monitor.logStats(name).lost()));
            }
        }
        return runs;
    }

    private static void assertEveryRunKeptItsRecords(List<Run> runs, String what) {
        long fatal = runs.stream().filter(r -> r.has(FATAL)).count();
        long all = runs.stream().filter(r -> r.has("loading configuration") && r.has("configuration has 3 invalid entries")
                && r.has(FATAL)).count();
        System.out.printf("CrashingCGuestIT %s: FATAL present in %d of %d runs, INFO+ERROR+FATAL in %d of %d%n", what,
                fatal, runs.size(), all, runs.size());
        assertEquals(runs.size(), fatal, what + ": FATAL present in " + fatal + " of " + runs.size() + " runs");
        assertEquals(runs.size(), all, what + ": INFO, ERROR and FATAL present in " + all + " of " + runs.size() + " runs");
        for (Run run : runs) {
            List<LogLevel> levels = run.records().stream().map(LogRecord::level).toList();
            assertEquals(List.of(LogLevel.INFO, LogLevel.ERROR, LogLevel.FATAL), levels, run.name() + " in order, once each");
            assertEquals(0, run.lost(), run.name() + ": nothing counted lost");
        }
    }

    private static void assertCrashedBy(List<Run> runs, int signal) {
        for (Run run : runs) {
            assertEquals(ExitClassification.CRASH, run.exit().classification(), run.name() + ": " + run.exit());
            assertEquals(signal, run.exit().signal(), run.name() + ": " + run.exit());
        }
    }

    @Test
    void aNullDereferenceRightAfterFatalKeepsInfoErrorAndFatalInEveryRun() throws Exception {
        List<Run> runs = runs("segv", "tcp", RUNS);
        assertEveryRunKeptItsRecords(runs, "SIGSEGV over TCP");
        assertCrashedBy(runs, 11);
    }

    @Test
    void abortRightAfterFatalKeepsTheRecordsAndStaysSigabrt() throws Exception {
        List<Run> runs = runs("abort", "tcp", RUNS);
        assertEveryRunKeptItsRecords(runs, "abort() over TCP");
        assertCrashedBy(runs, 6);
    }

    @Test
    void theCallersOwnSigsegvHandlerStillRunsAndTheRecordsStillArrive() throws Exception {
        List<Run> runs = runs("handler", "tcp", RUNS);
        assertEveryRunKeptItsRecords(runs, "SIGSEGV with the caller's handler over TCP");
        assertCrashedBy(runs, 11);
        long handlerRan = runs.stream().filter(r -> r.console().contains(CALLER_HANDLER_LINE)).count();
        assertEquals(runs.size(), handlerRan, "the caller's handler ran in " + handlerRan + " of " + runs.size() + " runs");
    }

    @Test
    void aCrashOverUdpKeepsTheRecordsToo() throws Exception {
        List<Run> runs = runs("segv", "udp", RUNS / 4);
        assertEveryRunKeptItsRecords(runs, "SIGSEGV over UDP");
        assertCrashedBy(runs, 11);
    }

    @Test
    void aCrashOnTheConsoleTransportKeepsTheRecordsToo() throws Exception {
        List<Run> runs = runs("segv", "console", RUNS / 4);
        assertEveryRunKeptItsRecords(runs, "SIGSEGV on the console");
        assertCrashedBy(runs, 11);
    }

    @Test
    void exitWithoutShutdownFlushesAndSaysGoodbye() throws Exception {
        List<Run> runs = runs("exit", "tcp", RUNS / 4);
        assertEveryRunKeptItsRecords(runs, "exit(3) over TCP");
        for (Run run : runs) {
            assertEquals(ExitClassification.FAILURE, run.exit().classification(), run.name() + ": " + run.exit());
            assertEquals(3, run.exit().exitCode(), run.name());
        }
    }
}
