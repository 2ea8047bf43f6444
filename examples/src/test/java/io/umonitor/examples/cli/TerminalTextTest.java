package io.umonitor.examples.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.umonitor.core.sink.Escaping;
import org.junit.jupiter.api.Test;

/** The command line shows guest text through the file sink's escaping: it must be terminal-safe. */
class TerminalTextTest {

    @Test
    void guestTextCannotMoveTheCursorOrStartALine() {
        assertEquals("\\x1b[2J\\x1b]0;owned\\x07", Escaping.escape("\u001b[2J\u001b]0;owned\u0007"));
        assertEquals("one\\ntwo\\rthree", Escaping.escape("one\ntwo\rthree"));
        assertEquals("c1 \\x9b control", Escaping.escape("c1 \u009b control"));
    }

    @Test
    void backslashIsEscapedSoEscapesCannotBeForged() {
        assertEquals("a\\\\x1b", Escaping.escape("a\\x1b"));
    }

    @Test
    void ordinaryTextIncludingNonAsciiIsUnchanged() {
        String text = "température 23 °C — 東京 🙂";
        assertEquals(text, Escaping.escape(text));
    }
}
