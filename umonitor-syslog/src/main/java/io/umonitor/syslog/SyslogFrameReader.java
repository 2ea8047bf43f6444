package io.umonitor.syslog;

import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;

/**
 * Splits a syslog TCP or TLS stream into messages, RFC 6587, detecting the framing of each frame from its
 * first byte:
 *
 * <pre>
 * octet counting:     MSG-LEN SP SYSLOG-MSG          e.g. "57 &lt;13&gt;1 2026-12-03T10:15:30Z host app - - - hello"
 *                     MSG-LEN = NONZERO-DIGIT *DIGIT, checked against the limit before a byte of MSG is read
 * non-transparent:    SYSLOG-MSG LF                  e.g. "&lt;13&gt;Dec  3 10:15:30 host app: hello\n"
 *                     a message longer than the limit without LF is refused at the limit
 * </pre>
 *
 * A stray CR, LF or NUL between frames is skipped; a CR before the LF is removed. Memory per reader: one
 * 8 KiB read buffer plus, for a newline-framed message, at most the limit. Not thread-safe: one per connection.
 */
public final class SyslogFrameReader {
    private final InputStream in;
    private final int maxLength;
    private final byte[] buf = new byte[8192];
    private int pos;
    private int limit;
    private byte[] line = new byte[256];

    /** @param maxLength the longest message accepted, in octets (framing excluded) */
    public SyslogFrameReader(InputStream in, int maxLength) {
        this.in = in;
        this.maxLength = maxLength;
    }

    /** Whether a whole further frame may already be buffered (so a caller can batch without blocking). */
    public boolean hasBufferedInput() throws IOException {
        return pos < limit || in.available() > 0;
    }

    /**
     * The next message, or null when the stream ended cleanly between frames.
     *
     * @throws SyslogFormatException for a frame that is malformed or over the limit; the stream is then
     *     unusable (the caller closes the connection)
     */
    public byte[] next() throws IOException {
        int first;
        do {
            first = read();
            if (first < 0) {
                return null;
            }
        } while (first == '\n' || first == '\r' || first == 0);
        if (first >= '1' && first <= '9') {
            return octetCounted(first - '0');
        }
        if (first == '<') {
            return newlineFramed();
        }
        throw new SyslogFormatException("malformed syslog frame: it starts with byte 0x" + Integer.toHexString(first)
                + "; a frame starts with its length (octet counting, RFC 6587) or with '<' (a message ended by LF)");
    }

    private byte[] octetCounted(int firstDigit) throws IOException {
        long length = firstDigit;
        int digits = 1;
        while (true) {
            int ch = read();
            if (ch == ' ') {
                break;
            }
            if (ch < '0' || ch > '9') {
                throw new SyslogFormatException(ch < 0 ? "the connection ended inside a frame's length"
                        : "malformed syslog frame: MSG-LEN is followed by byte 0x" + Integer.toHexString(ch)
                                + " instead of a space");
            }
            length = length * 10 + (ch - '0');
            if (++digits > 9 || length > maxLength) {
                throw SyslogFormatException.tooLong("syslog frame of " + (digits > 9 ? "more than 999999999" : length)
                        + " octets is over the limit of " + maxLength + " (syslog.maxMessageLength)");
            }
        }
        if (length > maxLength) {
            throw SyslogFormatException.tooLong("syslog frame of " + length + " octets is over the limit of "
                    + maxLength + " (syslog.maxMessageLength)");
        }
        byte[] message = new byte[(int) length];
        int have = Math.min(limit - pos, message.length);
        System.arraycopy(buf, pos, message, 0, have);
        pos += have;
        while (have < message.length) {
            int n = in.read(message, have, message.length - have);
            if (n < 0) {
                throw new SyslogFormatException("the connection ended inside a frame: " + have + " of " + length
                        + " octets received");
            }
            have += n;
        }
        return message;
    }

    private byte[] newlineFramed() throws IOException {
        int n = 0;
        line[n++] = '<';
        while (true) {
            if (pos == limit && !fill()) {
                break; // the sender closed after its last message without a LF: keep it
            }
            int lf = -1;
            for (int i = pos; i < limit; i++) {
                if (buf[i] == '\n') {
                    lf = i;
                    break;
                }
            }
            int take = (lf >= 0 ? lf : limit) - pos;
            if (n + take > maxLength) {
                throw SyslogFormatException.tooLong("syslog message without LF is over the limit of " + maxLength
                        + " octets (syslog.maxMessageLength)");
            }
            if (n + take > line.length) {
                line = Arrays.copyOf(line, Math.min(maxLength, Math.max(n + take, line.length * 2)));
            }
            System.arraycopy(buf, pos, line, n, take);
            n += take;
            pos += take;
            if (lf >= 0) {
                pos++;
                break;
            }
        }
        if (n > 0 && line[n - 1] == '\r') {
            n--;
        }
        return Arrays.copyOf(line, n);
    }

    private int read() throws IOException {
        if (pos == limit && !fill()) {
            return -1;
        }
        return buf[pos++] & 0xff;
    }

    private boolean fill() throws IOException {
        int n = in.read(buf, 0, buf.length);
        if (n <= 0) {
            return false;
        }
        pos = 0;
        limit = n;
        return true;
    }
}
