package io.umonitor.kit.process;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class LineSplitterTest {

    private static List<String> split(byte[] input, int maxLineBytes, int chunk) {
        List<String> lines = new ArrayList<>();
        LineSplitter splitter = new LineSplitter(maxLineBytes, lines::add);
        for (int i = 0; i < input.length; i += chunk) {
            splitter.feed(input, i, Math.min(chunk, input.length - i));
        }
        splitter.finish();
        return lines;
    }

    @Test
    void splitsOnNewlineDropsCarriageReturnAndKeepsTheUnterminatedTail() {
        byte[] input = "one\ntwo\r\n\nthree".getBytes(StandardCharsets.UTF_8);
        for (int chunk = 1; chunk <= input.length; chunk++) {
            assertEquals(List.of("one", "two", "", "three"), split(input, 100, chunk), "chunk " + chunk);
        }
    }

    @Test
    void cutsAnOverlongLineIntoPiecesOfTheMaximum() {
        byte[] input = ("x".repeat(25) + "\nend\n").getBytes(StandardCharsets.US_ASCII);
        assertEquals(List.of("x".repeat(10), "x".repeat(10), "x".repeat(5), "end"), split(input, 10, 7));
    }

    @Test
    void neverCutsInsideAUtf8Character() {
        String text = "aé€😀".repeat(50);
        byte[] input = (text + "\n").getBytes(StandardCharsets.UTF_8);
        for (int max = LineSplitter.MIN_LINE_BYTES; max <= 12; max++) {
            for (int chunk : new int[] {1, 3, 64}) {
                List<String> pieces = split(input, max, chunk);
                assertEquals(text, String.join("", pieces), "max " + max + " chunk " + chunk);
                for (String piece : pieces) {
                    assertFalse(piece.contains("\uFFFD"), "piece '" + piece + "' with max " + max);
                    assertTrue(piece.getBytes(StandardCharsets.UTF_8).length <= max);
                }
            }
        }
    }

    @Test
    void malformedUtf8BecomesReplacementCharacters() {
        byte[] input = {(byte) 0xff, 'o', 'k', (byte) 0xc3, '\n'};
        assertEquals(List.of("\uFFFDok\uFFFD"), split(input, 100, 1));
    }

    @Test
    void processExitReadsSignalsFromTheShellConvention() {
        assertEquals(9, ProcessExit.fromExitValue(137, false, 0).signal());
        assertEquals(0, ProcessExit.fromExitValue(3, false, 0).signal());
        assertEquals(0, ProcessExit.fromExitValue(128, false, 0).signal());
        assertEquals("signal 11 (SIGSEGV)", ProcessExit.fromExitValue(139, false, 0).describe());
        assertEquals("exit code 3", ProcessExit.fromExitValue(3, false, 0).describe());
    }

    @Test
    void thePiecesAfterTheFirstOfAnOverlongLineAreContinuationsAndTheNextLineIsNot() {
        List<String> lines = new ArrayList<>();
        List<String> continuations = new ArrayList<>();
        LineSplitter splitter = new LineSplitter(10, lines::add, continuations::add);
        byte[] input = ("x".repeat(25) + "\r\nnext\nlast\r").getBytes(StandardCharsets.US_ASCII);
        splitter.feed(input, 0, input.length);
        splitter.finish();
        assertEquals(List.of("x".repeat(10), "next", "last"), lines, "one CR at the end, also without LF, is dropped");
        assertEquals(List.of("x".repeat(10), "x".repeat(5)), continuations);
    }

    @Test
    void aLineOfTheLongestConsoleFrameStaysWholeAtTheDefaultLimit() {
        String frameLine = "@UM1:" + "QUFB".repeat(87_380 / 4);
        assertEquals(List.of(frameLine), split((frameLine + "\n").getBytes(StandardCharsets.US_ASCII),
                SupervisedProcess.DEFAULT_MAX_LINE_BYTES, 65_536));
        String wide = "\uD83D\uDE00".repeat(87_385);
        assertEquals(List.of(wide), split((wide + "\n").getBytes(StandardCharsets.UTF_8),
                SupervisedProcess.DEFAULT_MAX_LINE_BYTES, 65_536), "87,385 four-byte characters fit too");
    }
}
