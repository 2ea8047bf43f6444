package io.umonitor.protocol;

import java.nio.ByteBuffer;
import java.util.Base64;
import java.util.Optional;

/**
 * Decodes console lines (PROTOCOL.md section 5.3): {@code @UM1:} followed by the base64 of exactly one
 * frame. Any other line is ordinary console text.
 *
 * <p>Each line is decoded on its own; a bad line does not affect the next. A receiver keeps a bad line as
 * ordinary console text (nothing the guest printed is lost) and counts the error. The console belongs to
 * one unikernel, so any frame type may come in any order (a RECORD after a GOODBYE, a second HELLO); the
 * last HELLO is remembered as the session of the frames that follow it, and frames before any HELLO
 * belong to session 0. A HELLO's name must still follow the protocol's name rule. Base64 must be
 * canonical: non-zero pad bits are {@code CORRUPT_FRAME}.
 *
 * <p>Not thread-safe: one decoder per console.
 *
 * @since 0.1
 */
public final class ConsoleDecoder {
    private static final String MARKER = WireFormat.CONSOLE_MARKER;

    private final FrameDecoder frames;
    private final int maxPayloadChars;
    private byte[] ascii = new byte[256];
    private Hello hello;

    public ConsoleDecoder() {
        this(FrameDecoder.DEFAULT_MAX_FRAME_LENGTH);
    }

    /**
     * @param maxFrameLength the longest frame accepted, as for {@link FrameDecoder#FrameDecoder(int)};
     *     65,535 unless configured lower, as on every transport (PROTOCOL.md sections 3 and 5.3)
     */
    public ConsoleDecoder(int maxFrameLength) {
        this.frames = new FrameDecoder(maxFrameLength, "console payload");
        this.maxPayloadChars = (maxFrameLength + 2) / 3 * 4;
    }

    /**
     * Decodes one line. A trailing LF, and one CR at the end of the line (before the LF or last), are ignored.
     *
     * @return the frame, or empty when the line is ordinary console text (it does not start with
     *     {@code @UM1:})
     * @throws FrameProtocolException when the line starts with {@code @UM1:} but is not the base64 of exactly
     *     one valid frame; the line is then console text
     */
    public Optional<Frame> decodeLine(CharSequence line) {
        int length = line.length();
        if (length > 0 && line.charAt(length - 1) == '\n') {
            length--;
        }
        if (length > 0 && line.charAt(length - 1) == '\r') {
            length--;
        }
        if (length < MARKER.length() || !startsWithMarker(line)) {
            return Optional.empty();
        }
        int chars = length - MARKER.length();
        if (chars > maxPayloadChars) {
            throw new FrameTooLongException("console line carries " + chars + " base64 characters, more than the "
                    + maxPayloadChars + " of the longest frame this receiver accepts (" + frames.maxFrameLength()
                    + " bytes): the sender must split or shorten the record");
        }
        if (chars == 0) {
            throw new TruncatedFrameException("console line has the marker '@UM1:' but no frame after it: the sender "
                    + "must write '@UM1:' followed by the base64 of one frame");
        }
        if (chars % 4 != 0) {
            throw new CorruptFrameException("console line payload of " + chars + " characters is not padded base64 "
                    + "(its length must be a multiple of 4): the sender must use RFC 4648 base64 with '=' padding");
        }
        if (ascii.length < chars) {
            ascii = new byte[Math.max(chars, Math.min(ascii.length * 2, maxPayloadChars))];
        }
        for (int i = 0; i < chars; i++) {
            char c = line.charAt(MARKER.length() + i);
            if (!isBase64(c)) {
                throw new CorruptFrameException("console line payload has "
                        + (c < 0x20 || c > 0x7E ? "U+" + Frames.hex(c, 4).substring(2) : "'" + c + "'")
                        + " at character " + (MARKER.length() + i) + ", which is not base64: the sender must use the "
                        + "RFC 4648 alphabet A-Z a-z 0-9 + / with '=' padding and no line breaks");
            }
            ascii[i] = (byte) c;
        }
        int pad = ascii[chars - 1] == '=' ? (ascii[chars - 2] == '=' ? 2 : 1) : 0;
        byte last = ascii[chars - 1 - pad];
        if (pad > 0 && last != '=' && (base64Value(last) & (pad == 2 ? 0x0f : 0x03)) != 0) {
            throw new CorruptFrameException("console line payload ends in '" + (char) ascii[chars - 1 - pad]
                    + "' before its padding, whose unused bits are not zero (RFC 4648 section 3.5): the sender must "
                    + "encode canonical base64");
        }
        ByteBuffer payload;
        try {
            payload = Base64.getDecoder().decode(ByteBuffer.wrap(ascii, 0, chars));
        } catch (IllegalArgumentException e) {
            // Only '=' in the wrong place gets here; the alphabet was checked above.
            throw new CorruptFrameException("console line payload is not valid base64 (" + e.getMessage() + "): the "
                    + "sender must use RFC 4648 base64 with '=' only as final padding");
        }
        frames.resetOffset();
        Frame frame = frames.decode(payload);
        if (frame == null) {
            throw frames.truncated(payload);
        }
        if (payload.hasRemaining()) {
            throw new CorruptFrameException("console line payload has " + payload.remaining() + " bytes after its "
                    + frame.getClass().getSimpleName() + " frame of " + payload.position() + " bytes: the sender must "
                    + "write exactly one frame per line");
        }
        if (frame instanceof Hello h) {
            hello = h;
        }
        return Optional.of(frame);
    }

    /** The last HELLO decoded from this console, if any: it names the session of later records. */
    public Optional<Hello> hello() {
        return Optional.ofNullable(hello);
    }

    private static boolean startsWithMarker(CharSequence line) {
        for (int i = 0; i < MARKER.length(); i++) {
            if (line.charAt(i) != MARKER.charAt(i)) {
                return false;
            }
        }
        return true;
    }

    private static int base64Value(byte c) {
        if (c >= 'A' && c <= 'Z') {
            return c - 'A';
        } else if (c >= 'a' && c <= 'z') {
            return c - 'a' + 26;
        } else if (c >= '0' && c <= '9') {
            return c - '0' + 52;
        }
        return c == '+' ? 62 : 63;
    }

    private static boolean isBase64(char c) {
        return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' || c == '/'
                || c == '=';
    }
}
