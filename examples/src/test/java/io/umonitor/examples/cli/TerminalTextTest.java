package io.umonitor.examples.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.umonitor.core.sink.Escaping;
import org.junit.jupiter.api.Test;

/** Guest text on the terminal: as written, except what could drive the terminal or forge a line. */
class TerminalTextTest {

    @Test
    void guestTextCannotMoveTheCursorOrStartALine() {
        assertEquals("\\x1b[2J\\x1b]0;owned\\x07", TerminalText.show("\u001b[2J\u001b]0;owned\u0007"));
        assertEquals("one\\ntwo\\rthree", TerminalText.show("one\ntwo\rthree"));
        assertEquals("c1 \\x9b control", TerminalText.show("c1 \u009b control"));
        assertEquals("bidi \\u202e override", TerminalText.show("bidi \u202e override"));
    }

    @Test
    void tabsAndBackslashesAreShownAsTheGuestWroteThem() {
        assertEquals("a\tb \\__ \\", TerminalText.show("a\tb \\__ \\"));
    }

    @Test
    void ordinaryTextIncludingNonAsciiIsUnchanged() {
        String text = "température 23 °C — 東京 🙂";
        assertEquals(text, TerminalText.show(text));
    }

    @Test
    void filesKeepTheirReversibleEscaping() {
        assertEquals("a\\tb \\\\", Escaping.escape("a\tb \\"));
        assertEquals("a\tb \\", TextLogParser.unescape(Escaping.escape("a\tb \\")));
    }
}
