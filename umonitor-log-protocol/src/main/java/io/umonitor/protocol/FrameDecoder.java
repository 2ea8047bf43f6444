package io.umonitor.protocol;

import io.umonitor.api.ConfigurationException;
import java.nio.ByteBuffer;

/**
 * Incremental decoder of a byte sequence of frames (PROTOCOL.md section 6), without any transport's
 * ordering rules: {@link TcpStreamDecoder}, {@link DatagramDecoder} and {@link ConsoleDecoder} add those.
 *
 * <p>Call {@link #decode(ByteBuffer)} whenever bytes arrive. It reads from the buffer's position and
 * either returns one frame, advancing the position exactly past it, or returns {@code null} and
 * consumes nothing because the frame is not complete yet. The body length is checked against the
 * maximum from the 8-byte header alone, so a receiver never buffers more than one frame of at most
 * {@code maxFrameLength} bytes. Integers are read big-endian whatever the buffer's byte order.
 *
 * <p>On a {@link FrameProtocolException} the position stays at the start of the bad frame. A byte
 * stream cannot be resynchronised after that: close the connection.
 *
 * <p>Not thread-safe: use one decoder per connection (or per thread); creating one is cheap.
 *
 * @since 0.1
 */
public final class FrameDecoder {
    /** The maximum frame length receivers use unless configured lower: 65,535 bytes. */
    public static final int DEFAULT_MAX_FRAME_LENGTH = WireFormat.DEFAULT_MAX_FRAME_LENGTH;

    private final FrameDetector detector;
    private final BodyDecoder bodyDecoder = new BodyDecoder();
    private final String input;
    private long offset;

    /** A decoder accepting frames up to {@link #DEFAULT_MAX_FRAME_LENGTH}. */
    public FrameDecoder() {
        this(DEFAULT_MAX_FRAME_LENGTH);
    }

    /**
     * @param maxFrameLength the longest frame accepted, header and CRC included: 12 to 65,535
     * @throws ConfigurationException when {@code maxFrameLength} is outside that range
     */
    public FrameDecoder(int maxFrameLength) {
        this(maxFrameLength, "stream");
    }

    FrameDecoder(int maxFrameLength, String input) {
        if (maxFrameLength < WireFormat.FRAME_OVERHEAD || maxFrameLength > WireFormat.MAX_FRAME_LENGTH) {
            throw new ConfigurationException("maximum frame length " + maxFrameLength + " is out of range: use "
                    + WireFormat.FRAME_OVERHEAD + " to " + WireFormat.MAX_FRAME_LENGTH + " bytes (protocol v1 frames "
                    + "are at most " + WireFormat.MAX_FRAME_LENGTH + ")");
        }
        this.detector = new FrameDetector(maxFrameLength);
        this.input = input;
    }

    /**
     * Decodes the frame at {@code in}'s position.
     *
     * @return the frame, with the position advanced exactly past it; or {@code null}, consuming nothing,
     *     when the frame is not complete yet
     * @throws FrameProtocolException for corrupt, oversized or unsupported input; the position then stays
     *     at the start of the bad frame
     */
    public Frame decode(ByteBuffer in) {
        int start = in.position();
        int frameLength = detector.detect(in, offset, input);
        if (frameLength == FrameDetector.NEED_MORE) {
            return null;
        }
        Frame frame = bodyDecoder.decode(in, start + WireFormat.HEADER_LENGTH,
                frameLength - WireFormat.FRAME_OVERHEAD, in.get(start + 3) & 0xFF, offset, input);
        in.position(start + frameLength);
        offset += frameLength;
        return frame;
    }

    /**
     * Call when the input has ended (the connection closed): bytes still in {@code in} are an unfinished
     * frame.
     *
     * @throws TruncatedFrameException when {@code in} has bytes remaining
     */
    public void endOfInput(ByteBuffer in) {
        if (in.hasRemaining()) {
            throw truncated(in);
        }
    }

    /** The maximum frame length this decoder accepts. */
    public int maxFrameLength() {
        return detector.maxFrameLength();
    }

    /** Bytes consumed so far: the offset of the next frame in the input. */
    public long bytesConsumed() {
        return offset;
    }

    void resetOffset() {
        offset = 0;
    }

    TruncatedFrameException truncated(ByteBuffer in) {
        long declared = FrameDetector.declaredFrameLength(in);
        return new TruncatedFrameException("the " + input + " ended " + in.remaining() + " bytes into the frame at "
                + input + " offset " + offset + (declared < 0 ? " (before its 8-byte header was complete)"
                : " (its header announces " + declared + " bytes)") + ": the sender must send whole frames");
    }
}
