package io.umonitor.protocol;

import java.nio.ByteBuffer;
import java.util.zip.CRC32;

/**
 * The first decoding layer (PROTOCOL.md section 6, steps 1 to 4): finds where a frame ends, checking the
 * header before anything is buffered and the CRC once the frame is complete. Reads with absolute
 * indices and never moves the buffer's position, so "not yet" consumes nothing.
 */
final class FrameDetector {
    static final int NEED_MORE = -1;

    private final int maxFrameLength;
    private final CRC32 crc = new CRC32();

    FrameDetector(int maxFrameLength) {
        this.maxFrameLength = maxFrameLength;
    }

    int maxFrameLength() {
        return maxFrameLength;
    }

    /**
     * @param offset the offset of {@code in.position()} in the whole input, for messages
     * @param input what the input is ("stream", "datagram", "console payload"), for messages
     * @return the length of the complete, CRC-checked frame at {@code in.position()}, or
     *     {@link #NEED_MORE}
     */
    int detect(ByteBuffer in, long offset, String input) {
        int start = in.position();
        int available = in.limit() - start;
        if (available < WireFormat.HEADER_LENGTH) {
            return NEED_MORE;
        }
        int m0 = in.get(start) & 0xFF;
        int m1 = in.get(start + 1) & 0xFF;
        if (m0 != WireFormat.MAGIC_0 || m1 != WireFormat.MAGIC_1) {
            throw new CorruptFrameException("bad magic " + Frames.hex(m0 << 8 | m1, 4) + " at " + input + " offset "
                    + offset + " (expected 0x554d, ASCII 'UM'): the sender must start every frame with 'UM' and must "
                    + "not send anything between frames");
        }
        int version = in.get(start + 2) & 0xFF;
        if (version != WireFormat.VERSION) {
            throw new UnsupportedVersionException("frame version " + version + " at " + input + " offset " + offset
                    + " is not supported: this receiver speaks log protocol version 1 only; the sender must send "
                    + "version 1 frames");
        }
        long bodyLength = readU32(in, start + 4);
        long frameLength = bodyLength + WireFormat.FRAME_OVERHEAD;
        if (frameLength > maxFrameLength) {
            throw new FrameTooLongException("frame at " + input + " offset " + offset + " announces a body of "
                    + bodyLength + " bytes (frame " + frameLength + " bytes), over this receiver's maximum frame "
                    + "length of " + maxFrameLength + " bytes: the sender must split or shorten the record");
        }
        if (available < frameLength) {
            return NEED_MORE;
        }
        int crcAt = start + WireFormat.HEADER_LENGTH + (int) bodyLength;
        long expected = readU32(in, crcAt);
        long actual = crc(in, start, crcAt - start);
        if (expected != actual) {
            throw new CorruptFrameException("CRC-32 mismatch in the " + frameLength + "-byte frame at " + input
                    + " offset " + offset + ": the frame says " + Frames.hex(expected, 8) + ", its bytes give "
                    + Frames.hex(actual, 8) + "; the sender must compute CRC-32 (zlib) over magic through body, or "
                    + "the bytes were damaged in transit");
        }
        int type = in.get(start + 3) & 0xFF;
        if (type < WireFormat.TYPE_HELLO || type > WireFormat.TYPE_GOODBYE) {
            throw new CorruptFrameException("unknown frame type " + Frames.hex(type, 2) + " at " + input + " offset "
                    + offset + ": version 1 has 0x01 HELLO, 0x02 RECORD and 0x03 GOODBYE only");
        }
        return (int) frameLength;
    }

    /** The declared length of the frame at the position, or -1 when the header is not complete. */
    static long declaredFrameLength(ByteBuffer in) {
        int start = in.position();
        if (in.limit() - start < WireFormat.HEADER_LENGTH) {
            return -1;
        }
        return readU32(in, start + 4) + WireFormat.FRAME_OVERHEAD;
    }

    static long readU32(ByteBuffer in, int at) {
        return ((in.get(at) & 0xFFL) << 24) | ((in.get(at + 1) & 0xFFL) << 16)
                | ((in.get(at + 2) & 0xFFL) << 8) | (in.get(at + 3) & 0xFFL);
    }

    private long crc(ByteBuffer in, int from, int length) {
        crc.reset();
        if (in.hasArray()) {
            crc.update(in.array(), in.arrayOffset() + from, length);
        } else {
            int position = in.position();
            int limit = in.limit();
            in.limit(from + length).position(from);
            crc.update(in);
            in.limit(limit).position(position);
        }
        return crc.getValue();
    }
}
