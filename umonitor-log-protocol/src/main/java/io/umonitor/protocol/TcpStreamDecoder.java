package io.umonitor.protocol;

import java.nio.ByteBuffer;
import java.util.Optional;

/**
 * Decodes one TCP connection (PROTOCOL.md section 5.1): a {@link FrameDecoder} plus the ordering rules,
 * exactly one HELLO first, then RECORDs, then at most one GOODBYE and nothing after it.
 *
 * <p>The first error fails the decoder for good: every later call rethrows it, because a byte stream
 * cannot be resynchronised. The receiver then closes the connection, keeping the records it already
 * decoded. Not thread-safe: one decoder per connection.
 *
 * @since 0.1
 */
public final class TcpStreamDecoder {
    private final FrameDecoder frames;
    private Hello hello;
    private boolean goodbyeSeen;
    private FrameProtocolException failure;

    public TcpStreamDecoder() {
        this(FrameDecoder.DEFAULT_MAX_FRAME_LENGTH);
    }

    /** @param maxFrameLength as for {@link FrameDecoder#FrameDecoder(int)} */
    public TcpStreamDecoder(int maxFrameLength) {
        this.frames = new FrameDecoder(maxFrameLength, "stream");
    }

    /**
     * Decodes the next frame, as {@link FrameDecoder#decode(ByteBuffer)} does, then checks its place.
     *
     * @throws UnexpectedFrameException for a RECORD or GOODBYE before the HELLO, a second HELLO, or any
     *     frame after the GOODBYE
     * @throws FrameProtocolException for any other error, or again for the error that failed the decoder
     */
    public Frame decode(ByteBuffer in) {
        if (failure != null) {
            throw failure;
        }
        int start = in.position();
        long offset = frames.bytesConsumed();
        try {
            Frame frame = frames.decode(in);
            if (frame == null) {
                return null;
            }
            if (goodbyeSeen) {
                throw unexpected(frame, offset, "after the GOODBYE: the sender must close the connection after GOODBYE");
            }
            if (frame instanceof Hello h) {
                if (hello != null) {
                    throw unexpected(frame, offset, "(a second HELLO): the sender must send exactly one HELLO per "
                            + "connection, and reconnect to start another");
                }
                hello = h;
            } else if (hello == null) {
                throw unexpected(frame, offset, "before the HELLO: the sender must start every connection with a HELLO");
            } else if (frame instanceof Goodbye) {
                goodbyeSeen = true;
            }
            return frame;
        } catch (FrameProtocolException e) {
            failure = e;
            in.position(start);
            throw e;
        }
    }

    /**
     * Call when the connection has closed.
     *
     * @throws TruncatedFrameException when {@code in} still holds part of a frame
     */
    public void endOfInput(ByteBuffer in) {
        if (failure != null) {
            throw failure;
        }
        if (in.hasRemaining()) {
            failure = frames.truncated(in);
            throw failure;
        }
    }

    /** The connection's HELLO, once decoded. */
    public Optional<Hello> hello() {
        return Optional.ofNullable(hello);
    }

    /** True once the GOODBYE has been decoded. */
    public boolean goodbyeSeen() {
        return goodbyeSeen;
    }

    /** The error that failed this decoder, if any. */
    public Optional<FrameProtocolException> failure() {
        return Optional.ofNullable(failure);
    }

    /** Bytes consumed so far on this connection. */
    public long bytesConsumed() {
        return frames.bytesConsumed();
    }

    private static UnexpectedFrameException unexpected(Frame frame, long offset, String rule) {
        return new UnexpectedFrameException(Frames.typeName(frame) + " frame at stream offset " + offset + " " + rule);
    }
}
