package io.umonitor.kit.process;

import java.nio.charset.StandardCharsets;
import java.util.function.Consumer;

/**
 * Cuts a byte stream into lines of at most {@code maxLineBytes} bytes, so a guest that never writes
 * a newline cannot make the monitor buffer without bound. A line ends at LF or at the end of the stream;
 * one CR at its end is dropped. An over-long line is emitted in pieces, cut before a UTF-8 character
 * rather than inside it: the first piece as a line, the others as continuations of it. Bytes are decoded
 * as UTF-8; malformed input becomes U+FFFD. Not thread-safe: one splitter per stream.
 */
final class LineSplitter {
    /** Long enough for any UTF-8 character, so a piece always makes progress. */
    static final int MIN_LINE_BYTES = 4;

    private final int maxLineBytes;
    private byte[] line;
    private final Consumer<String> lines;
    private final Consumer<String> continuations;
    private int length;
    /** The line being read was cut: its next piece is a continuation. */
    private boolean continuing;

    LineSplitter(int maxLineBytes, Consumer<String> lines) {
        this(maxLineBytes, lines, lines);
    }

    LineSplitter(int maxLineBytes, Consumer<String> lines, Consumer<String> continuations) {
        if (maxLineBytes < MIN_LINE_BYTES) {
            throw new IllegalArgumentException("maxLineBytes " + maxLineBytes + " is below " + MIN_LINE_BYTES);
        }
        this.maxLineBytes = maxLineBytes;
        // Grown on demand: most console lines are short, and the limit is large enough for any frame line.
        this.line = new byte[Math.min(maxLineBytes, 1024)];
        this.lines = lines;
        this.continuations = continuations;
    }

    void feed(byte[] bytes, int offset, int count) {
        int end = offset + count;
        for (int i = offset; i < end; i++) {
            byte b = bytes[i];
            if (b == '\n') {
                emit(length);
                continue;
            }
            if (length == line.length) {
                if (length < maxLineBytes) {
                    line = java.util.Arrays.copyOf(line, (int) Math.min(maxLineBytes, 2L * length));
                } else {
                    splitBefore(b);
                }
            }
            line[length++] = b;
        }
    }

    /** Emits what is left after the stream ended without a final newline. */
    void finish() {
        if (length > 0) {
            emit(length);
        }
    }

    private void splitBefore(byte next) {
        int cut = length;
        if (isContinuation(next)) {
            // The character that 'next' continues started in the last few bytes: move it whole to the next piece.
            int start = length - 1;
            while (start > length - MIN_LINE_BYTES && start > 0 && isContinuation(line[start])) {
                start--;
            }
            if (start > 0 && !isContinuation(line[start])) {
                cut = start;
            }
        }
        int carried = length - cut;
        emitPiece(cut);
        System.arraycopy(line, cut, line, 0, carried);
        length = carried;
    }

    private void emit(int count) {
        int n = count;
        if (n > 0 && line[n - 1] == '\r') {
            n--;
        }
        (continuing ? continuations : lines).accept(new String(line, 0, n, StandardCharsets.UTF_8));
        length = 0;
        continuing = false;
    }

    private void emitPiece(int count) {
        (continuing ? continuations : lines).accept(new String(line, 0, count, StandardCharsets.UTF_8));
        continuing = true;
    }

    private static boolean isContinuation(byte b) {
        return (b & 0xC0) == 0x80;
    }
}
