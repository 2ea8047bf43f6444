package io.umonitor.kit.process;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import io.umonitor.testkit.Await;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class ProcessGroupTest {

    private static boolean member(String statLine, long pgid) {
        byte[] b = statLine.getBytes(StandardCharsets.UTF_8);
        return ProcessGroup.isLiveMemberOf(b, b.length, pgid);
    }

    @Test
    void aStatLineIsReadForItsGroupEvenWhenTheCommandNameHoldsParenthesesAndSpaces() {
        String tail = " 1 4242 4242 0 -1 4194560 95 0 0 0 0 0 0 0 20 0 1 0 123 2 3 18446744073709551615";
        assertTrue(member("4243 (sleep) S 4242 4242" + tail, 4242));
        assertFalse(member("4243 (sleep) S 4242 4242" + tail, 424));
        assertFalse(member("4243 (sleep) S 4242 4242" + tail, 42420));
        // A name written to look like other fields: ") S 1 4242 " inside the parentheses is not the group.
        assertFalse(member("4243 (x) S 1 4242 ) R 1 777" + tail, 4242));
        assertTrue(member("4243 (x) S 1 4242 ) R 1 777" + tail, 777));
    }

    @Test
    void aZombieIsNoLiveMemberAndAShortOrBrokenLineNoMemberAtAll() {
        assertFalse(member("4243 (sh) Z 1 4242 4242 0", 4242));
        assertFalse(member("4243 (sh) S 1 4242", 4242), "cut before the group ends");
        assertFalse(member("4243 (sh) S 1 ", 4242));
        assertFalse(member("no parentheses 4242 4242 ", 4242));
        assertFalse(member("", 4242));
    }

    @Test
    void theKernelSaysAGroupIsEmptyOnlyOnceItsLastMemberIsGone() throws Exception {
        SupervisedProcessTest.Lines lines = new SupervisedProcessTest.Lines();
        // A leader and a background child in the leader's own session and group.
        SupervisedProcess p = SupervisedProcess.builder(Path.of("/bin/sh"))
                .arguments(List.of("-c", "sleep 1000 & echo ready; exec sleep 1000")).output(lines).start();
        try {
            lines.await("ready"::equals);
            assertEquals(GroupSignal.Answer.NOT_EMPTY, GroupSignal.probe(p.pid()));
            assertEquals(2, ProcessGroup.members(p.pid()).size(), "the leader and its background sleep");
        } finally {
            p.kill();
        }
        p.exit().get(20, TimeUnit.SECONDS);
        // The exit is reported once no member lives; the killed child may still be a zombie until init
        // reaps it, and the kernel counts a zombie as a member until then.
        assertEquals(List.of(), ProcessGroup.members(p.pid()));
        Await.check("the kernel to know no member of group " + p.pid(), Duration.ofSeconds(20),
                () -> GroupSignal.probe(p.pid()) == GroupSignal.Answer.EMPTY);
    }

    @Test
    void noGroupIsAskedAboutThroughPidsThatAreNotGroups() {
        // kill(-0, 0) and kill(-1, 0) would address the caller's group and every process.
        assertEquals(GroupSignal.Answer.UNKNOWN, GroupSignal.probe(0));
        assertEquals(GroupSignal.Answer.UNKNOWN, GroupSignal.probe(1));
    }
}
