package io.umonitor.kit.process;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.umonitor.api.LaunchException;
import io.umonitor.api.spi.GuestOutput;
import io.umonitor.testkit.Await;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(60)
class SupervisedProcessTest {

    private static final Path SH = Path.of("/bin/sh");
    private static final Duration WAIT = Duration.ofSeconds(20);

    /** Collects lines and lets a test wait for one instead of sleeping. */
    static final class Lines implements SupervisedProcess.OutputConsumer {
        final List<String> stdout = new CopyOnWriteArrayList<>();
        final List<String> stderr = new CopyOnWriteArrayList<>();

        @Override
        public void line(GuestOutput.Stream stream, String line) {
            (stream == GuestOutput.Stream.STDERR ? stderr : stdout).add(line);
            synchronized (this) {
                notifyAll();
            }
        }

        synchronized String await(Predicate<String> matcher) throws InterruptedException {
            long deadline = System.nanoTime() + WAIT.toNanos();
            while (true) {
                for (String l : stdout) {
                    if (matcher.test(l)) {
                        return l;
                    }
                }
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new AssertionError("no matching stdout line within " + WAIT + "; got " + stdout);
                }
                wait(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
            }
        }
    }

    private static SupervisedProcess sh(String script, SupervisedProcess.OutputConsumer output) {
        return SupervisedProcess.builder(SH).argument("-c").argument(script).output(output).start();
    }

    private static ProcessExit exitOf(SupervisedProcess p) throws Exception {
        return p.exit().get(WAIT.toSeconds(), TimeUnit.SECONDS);
    }

    @Test
    void reportsExitCodeAndEveryLineOfBothStreams() throws Exception {
        Lines lines = new Lines();
        SupervisedProcess p = sh("printf 'a\\nb\\r\\nc'; echo err >&2; exit 3", lines);
        assertTrue(p.pid() > 0);
        ProcessExit exit = exitOf(p);
        assertEquals(3, exit.exitValue());
        assertEquals(0, exit.signal());
        assertFalse(exit.stopRequested());
        assertEquals(List.of("a", "b", "c"), lines.stdout);
        assertEquals(List.of("err"), lines.stderr);
    }

    @Test
    void aLineOnOneStreamIsNotLostWhenTheOtherStreamEndsFirst() throws Exception {
        // Regression: the stdout reader used to end before the stderr reader was counted, ending delivery early.
        for (int i = 0; i < 100; i++) {
            Lines lines = new Lines();
            ProcessExit exit = exitOf(sh("exec 1>&-; echo late >&2; exit 2", lines));
            assertEquals(2, exit.exitValue());
            assertEquals(List.of("late"), lines.stderr, "run " + i);
        }
    }

    @Test
    void zeroExitIsNotASignal() throws Exception {
        ProcessExit exit = exitOf(sh("true", new Lines()));
        assertEquals(0, exit.exitValue());
        assertFalse(exit.diedOfSignal());
    }

    @Test
    void argumentsAndEnvironmentArePassedUnchanged() throws Exception {
        Lines lines = new Lines();
        SupervisedProcess p = SupervisedProcess.builder(SH)
                .arguments(List.of("-c", "printf '%s\\n' \"$@\" \"$UMT_VALUE\"", "sh", "a b", "\"q\"", "${X}", ""))
                .environment("UMT_VALUE", "v w")
                .output(lines)
                .start();
        assertEquals(0, exitOf(p).exitValue());
        assertEquals(List.of("a b", "\"q\"", "${X}", "", "v w"), lines.stdout);
    }

    @Test
    void splitsALongLineIntoPiecesOfTheMaximumLength() throws Exception {
        Lines lines = new Lines();
        SupervisedProcess p = SupervisedProcess.builder(SH)
                .arguments(List.of("-c", "head -c 100000 /dev/zero | tr '\\0' x; echo; echo after"))
                .maxLineBytes(1000)
                .output(lines)
                .start();
        exitOf(p);
        assertEquals(101, lines.stdout.size());
        assertTrue(lines.stdout.subList(0, 100).stream().allMatch(l -> l.equals("x".repeat(1000))));
        assertEquals("after", lines.stdout.get(100));
    }

    @Test
    void deliversFiftyMegabytesCompletelyWhenTheQueueHasRoom() throws Exception {
        AtomicLong count = new AtomicLong();
        AtomicLong bad = new AtomicLong();
        String line = "y".repeat(99);
        SupervisedProcess p = SupervisedProcess.builder(SH)
                .arguments(List.of("-c", "yes " + line + " | head -n 500000"))
                // Room for everything: on a busy machine the delivery thread may be descheduled for a while.
                .queueCapacityChars(64L * 1024 * 1024)
                .output((stream, l) -> {
                    count.incrementAndGet();
                    if (!l.equals(line)) {
                        bad.incrementAndGet();
                    }
                })
                .start();
        ProcessExit exit = exitOf(p);
        assertEquals(0, exit.exitValue());
        assertEquals(0, exit.droppedLines());
        assertEquals(500_000, count.get());
        assertEquals(0, bad.get());
    }

    @Test
    void aStalledConsumerNeverBlocksTheChildAndDropsAreCounted() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        AtomicLong delivered = new AtomicLong();
        AtomicLong dropped = new AtomicLong();
        SupervisedProcess p = SupervisedProcess.builder(SH)
                .arguments(List.of("-c", "yes " + "z".repeat(99) + " | head -n 500000"))
                .output(new SupervisedProcess.OutputConsumer() {
                    @Override
                    public void line(GuestOutput.Stream stream, String l) {
                        try {
                            release.await();
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                        }
                        delivered.incrementAndGet();
                    }

                    @Override
                    public void linesDropped(GuestOutput.Stream stream, long n) {
                        dropped.addAndGet(n);
                    }
                })
                .start();
        // The consumer is stuck on its first line: the child must still write all 50 MB and end.
        awaitProcessEnd(p);
        assertFalse(p.exit().isDone(), "exit waits for delivery");
        release.countDown();
        ProcessExit exit = exitOf(p);
        assertEquals(0, exit.exitValue());
        assertTrue(exit.droppedLines() > 0, "the queue must have overflowed");
        assertEquals(exit.droppedLines(), dropped.get());
        assertEquals(500_000, delivered.get() + dropped.get());
    }

    @Test
    void outputToAGuestOutputPassesLinesAndPiecesAndReportsDropsAsOneWarning() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        List<String> seen = new CopyOnWriteArrayList<>();
        List<String> notes = new CopyOnWriteArrayList<>();
        GuestOutput output = new GuestOutput() {
            @Override
            public void consoleLine(Stream stream, String line) {
                seen.add(stream + " line " + line.length());
                try {
                    release.await(); // stalls on the first line, so the queue overflows behind it
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }

            @Override
            public void consoleContinuation(Stream stream, String piece) {
                seen.add(stream + " piece " + piece.length());
            }

            @Override
            public void running() {
            }

            @Override
            public void note(io.umonitor.api.LogLevel level, String message) {
                notes.add(level + " " + message);
            }
        };
        SupervisedProcess p = SupervisedProcess.builder(SH)
                .arguments(List.of("-c", "head -c 2500 /dev/zero | tr '\\0' x; echo; yes " + "z".repeat(99)
                        + " | head -n 200000"))
                .maxLineBytes(1000)
                .queueCapacityChars(100_000)
                .output(SupervisedProcess.OutputConsumer.to(output))
                .start();
        awaitProcessEnd(p);
        release.countDown();
        ProcessExit exit = exitOf(p);
        assertEquals(List.of("STDOUT line 1000", "STDOUT piece 1000", "STDOUT piece 500"), seen.subList(0, 3));
        assertTrue(exit.droppedLines() > 0, "the queue must have overflowed");
        assertEquals(200_000 + 1, seen.size() - 2 + exit.droppedLines(), "every line delivered or counted");
        long reported = notes.stream().filter(n -> n.startsWith("WARN ") && n.contains(" stdout line(s) dropped"))
                .mapToLong(n -> Long.parseLong(n.substring(5, n.indexOf(' ', 5)))).sum();
        assertEquals(exit.droppedLines(), reported, "the drops, as warnings: " + notes);
    }

    @Test
    void aSignalTheProcessRaisesItselfIsReported() throws Exception {
        ProcessExit exit = exitOf(sh("kill -SEGV $$", new Lines()));
        assertEquals(Signals.SIGSEGV, exit.signal());
        assertEquals(139, exit.exitValue());
        assertFalse(exit.stopRequested());
    }

    @Test
    void aSigkillFromOutsideIsReportedAsNotRequested() throws Exception {
        Lines lines = new Lines();
        SupervisedProcess p = sh("echo ready; exec sleep 30", lines);
        lines.await("ready"::equals);
        Process killer = new ProcessBuilder("kill", "-KILL", Long.toString(p.pid())).start();
        assertTrue(killer.waitFor(10, TimeUnit.SECONDS));
        ProcessExit exit = exitOf(p);
        assertEquals(Signals.SIGKILL, exit.signal());
        assertFalse(exit.stopRequested());
    }

    @Test
    void stopEndsACooperativeProcessWithSigterm() throws Exception {
        Lines lines = new Lines();
        SupervisedProcess p = sh("echo ready; exec sleep 30", lines);
        lines.await("ready"::equals);
        p.stop(Duration.ofSeconds(10));
        ProcessExit exit = exitOf(p);
        assertEquals(Signals.SIGTERM, exit.signal());
        assertTrue(exit.stopRequested());
        p.stop(Duration.ofSeconds(1));
        p.kill();
    }

    @Test
    void stopEscalatesToSigkillForTheProcessAndItsChildren() throws Exception {
        Lines lines = new Lines();
        SupervisedProcess p = sh("trap '' TERM; sleep 30 & echo child $!; echo ready; wait; wait; wait", lines);
        long child = Long.parseLong(lines.await(l -> l.startsWith("child ")).substring(6));
        lines.await("ready"::equals);
        long start = System.nanoTime();
        p.stop(Duration.ofMillis(500));
        ProcessExit exit = exitOf(p);
        long tookMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        assertEquals(Signals.SIGKILL, exit.signal());
        assertTrue(exit.stopRequested());
        assertTrue(tookMillis >= 450, "killed after " + tookMillis + " ms, before the grace period");
        Await.processGone(child, WAIT);
    }

    @Test
    void aProcessThatClosesItsOutputIsStillWaitedForAndStopped() throws Exception {
        Lines lines = new Lines();
        SupervisedProcess p = sh("echo before; exec >&- 2>&-; exec sleep 30", lines);
        lines.await("before"::equals);
        assertThrows(TimeoutException.class, () -> p.exit().get(300, TimeUnit.MILLISECONDS));
        assertTrue(p.isAlive());
        p.stop(Duration.ofSeconds(5));
        assertEquals(Signals.SIGTERM, exitOf(p).signal());
    }

    @Test
    void anOrphanHoldingThePipeDelaysTheExitOnlyByTheDrainTimeout() throws Exception {
        Lines lines = new Lines();
        // setsid: the orphan leaves the guest's process group, so only the drain timeout can end the wait.
        SupervisedProcess p = SupervisedProcess.builder(SH)
                .arguments(List.of("-c", "setsid sleep 30 & echo orphan $!"))
                .drainTimeout(Duration.ofMillis(300))
                .output(lines)
                .start();
        long orphan = Long.parseLong(lines.await(l -> l.startsWith("orphan ")).substring(7));
        try {
            ProcessExit exit = exitOf(p);
            assertEquals(0, exit.exitValue());
        } finally {
            ProcessHandle.of(orphan).ifPresent(ProcessHandle::destroyForcibly);
        }
    }

    @Test
    void killIsImmediateAndIdempotent() throws Exception {
        Lines lines = new Lines();
        SupervisedProcess p = sh("trap '' TERM; echo ready; exec sleep 30", lines);
        lines.await("ready"::equals);
        p.kill();
        p.kill();
        p.stop(Duration.ofSeconds(30));
        ProcessExit exit = exitOf(p);
        assertEquals(Signals.SIGKILL, exit.signal());
        assertTrue(exit.stopRequested());
        p.kill();
    }

    @Test
    void aMissingExecutableIsALaunchExceptionNamingIt() {
        LaunchException e = assertThrows(LaunchException.class,
                () -> SupervisedProcess.builder(Path.of("/nonexistent/umt-guest")).start());
        assertTrue(e.getMessage().contains("/nonexistent/umt-guest"), e.getMessage());
    }

    @Test
    void theProcessLeadsItsOwnSessionAndProcessGroupSoATerminalsCtrlCNeverReachesIt() throws Exception {
        Lines lines = new Lines();
        SupervisedProcess p = sh("echo ready; exec sleep 30", lines);
        try {
            lines.await("ready"::equals);
            assertTrue(p.ownSession());
            long jvm = ProcessHandle.current().pid();
            long pgid = ProcessGroup.processGroupOf(p.pid()).orElseThrow();
            long sid = ProcessGroup.sessionOf(p.pid()).orElseThrow();
            assertEquals(p.pid(), pgid, "the guest leads its process group");
            assertEquals(p.pid(), sid, "the guest leads its session");
            assertTrue(pgid != ProcessGroup.processGroupOf(jvm).orElseThrow(), "pgid differs from the JVM's");
            assertTrue(sid != ProcessGroup.sessionOf(jvm).orElseThrow(), "sid differs from the JVM's");
        } finally {
            p.kill();
        }
    }

    @Test
    void whatTheGuestLeftRunningInTheBackgroundEndsWhenItExitsNormally() throws Exception {
        String marker = "umt-kit-leftover-" + ProcessHandle.current().pid() + "-" + System.nanoTime();
        Lines lines = new Lines();
        // The background shell carries the marker in its argv; "; :" keeps it from exec'ing sleep.
        SupervisedProcess p = sh("sh -c 'sleep 1000; :' " + marker + " & echo started $!", lines);
        lines.await(l -> l.startsWith("started "));
        ProcessExit exit = exitOf(p);
        assertEquals(0, exit.exitValue());
        assertEquals(List.of(), processesWith(marker), "processes left behind after a normal exit");
    }

    @Test
    void aBackgroundJobThatKeepsForkingAfterTheGuestExitsLeavesNothingBehind() throws Exception {
        String marker = "umt-kit-forker-" + ProcessHandle.current().pid() + "-" + System.nanoTime();
        Lines lines = new Lines();
        // The guest leaves a job that forks up to 300 marked children while the exit is being handled, so
        // a kill that looks at the group once races its forks (bounded, so a failure leaves little behind).
        SupervisedProcess p = sh("sh -c 'i=0; while [ $i -lt 300 ]; do sh -c \"sleep 1000; :\" " + marker
                + " & i=$((i+1)); done; sleep 1000; :' " + marker + " & echo started", lines);
        try {
            lines.await("started"::equals);
            ProcessExit exit = exitOf(p);
            assertEquals(0, exit.exitValue());
            assertEquals(List.of(), processesWith(marker), "processes left behind by a forking job");
        } finally {
            for (long pid : processesWith(marker)) {
                ProcessHandle.of(pid).ifPresent(h -> {
                    h.descendants().forEach(ProcessHandle::destroyForcibly);   // its unmarked sleep
                    h.destroyForcibly();
                });
            }
        }
    }

    @Test
    void stopEndsTheGuestsWholeProcessGroup() throws Exception {
        String marker = "umt-kit-stopped-" + ProcessHandle.current().pid() + "-" + System.nanoTime();
        Lines lines = new Lines();
        SupervisedProcess p = sh("sh -c 'sleep 1000; :' " + marker + " & echo ready; exec sleep 30", lines);
        lines.await("ready"::equals);
        // Until the outer shell has exec'd sleep, its own command line holds the marker too.
        Await.check("the marked background process alone", WAIT, () -> processesWith(marker).size() == 1);
        p.stop(Duration.ofSeconds(5));
        assertEquals(Signals.SIGTERM, exitOf(p).signal());
        assertEquals(List.of(), processesWith(marker), "processes left behind after stop");
    }

    @Test
    void aGroupIsKilledOnlyThroughTheProcessThatLeadsIt() throws Exception {
        String marker = "umt-kit-group-" + ProcessHandle.current().pid() + "-" + System.nanoTime();
        Lines lines = new Lines();
        SupervisedProcess leader = sh("sh -c 'sleep 1000; :' " + marker + " & echo ready; exec sleep 30", lines);
        Lines plainLines = new Lines();
        SupervisedProcess notALeader = SupervisedProcess.builder(SH)
                .arguments(List.of("-c", "echo ready; exec sleep 30"))
                .ownSession(false).output(plainLines).start();
        try {
            lines.await("ready"::equals);
            plainLines.await("ready"::equals);
            // Its group is this JVM's: nothing may be killed through it.
            assertEquals(0, ProcessGroup.killGroupLedBy(notALeader.pid()));
            assertTrue(notALeader.isAlive());
            int killed = ProcessGroup.killGroupLedBy(leader.pid());
            assertTrue(killed >= 2, "the leader and the marked shell (and its sleep, once forked): " + killed);
            assertEquals(Signals.SIGKILL, exitOf(leader).signal());
            assertEquals(List.of(), processesWith(marker));
        } finally {
            leader.kill();
            notALeader.kill();
        }
    }

    /** Pids whose command line holds {@code marker}, from /proc. */
    static List<Long> processesWith(String marker) throws java.io.IOException {
        List<Long> found = new java.util.ArrayList<>();
        try (var entries = java.nio.file.Files.newDirectoryStream(Path.of("/proc"))) {
            for (Path entry : entries) {
                String name = entry.getFileName().toString();
                if (!name.chars().allMatch(Character::isDigit)) {
                    continue;
                }
                try {
                    String cmdline = new String(java.nio.file.Files.readAllBytes(entry.resolve("cmdline")),
                            java.nio.charset.StandardCharsets.UTF_8);
                    if (cmdline.contains(marker) && !isZombie(entry)) {
                        found.add(Long.parseLong(name));
                    }
                } catch (java.io.IOException e) {
                    // ended while we looked
                }
            }
        }
        return found;
    }

    private static boolean isZombie(Path procEntry) throws java.io.IOException {
        String stat = java.nio.file.Files.readString(procEntry.resolve("stat"));
        return stat.substring(stat.lastIndexOf(')') + 2).startsWith("Z");
    }

    /** Waits for the host process to end, whether or not its output was delivered yet. */
    private static void awaitProcessEnd(SupervisedProcess p) throws Exception {
        ProcessHandle handle = p.toHandle();   // null: already ended and reaped (a posix_spawned process)
        assertTrue(handle == null || handle.onExit().get(WAIT.toSeconds(), TimeUnit.SECONDS) != null);
    }
}
