package io.umonitor.protocol;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * Decodes UDP datagrams (PROTOCOL.md section 5.2), all or nothing: a datagram is exactly one HELLO then
 * one or more RECORDs or exactly one GOODBYE, with no bytes left over. A datagram with any error is
 * rejected whole and has no effect on the next one.
 *
 * <p>Not thread-safe: one decoder per receiving thread.
 *
 * @since 0.1
 */
public final class DatagramDecoder {
    private final FrameDecoder frames;

    public DatagramDecoder() {
        this(FrameDecoder.DEFAULT_MAX_FRAME_LENGTH);
    }

    /** @param maxFrameLength as for {@link FrameDecoder#FrameDecoder(int)} */
    public DatagramDecoder(int maxFrameLength) {
        this.frames = new FrameDecoder(maxFrameLength, "datagram");
    }

    /**
     * Decodes the whole datagram from the position to the limit. On success the position is at the limit;
     * on error it is unchanged.
     *
     * @throws UnexpectedFrameException when the datagram does not start with a HELLO, has no RECORD or
     *     GOODBYE after it, or mixes them
     * @throws TruncatedFrameException when it ends inside a frame (or is empty)
     * @throws FrameProtocolException for any error in a frame
     */
    public Datagram decode(ByteBuffer datagram) {
        int start = datagram.position();
        frames.resetOffset();
        try {
            Frame first = next(datagram);
            if (!(first instanceof Hello hello)) {
                throw new UnexpectedFrameException(Frames.typeName(first) + " frame at datagram offset 0: a datagram "
                        + "must start with a HELLO; the sender must put its HELLO first in every datagram");
            }
            if (!datagram.hasRemaining()) {
                throw new UnexpectedFrameException("datagram of " + (datagram.position() - start) + " bytes holds only a "
                        + "HELLO: the sender must follow it with one or more RECORDs or one GOODBYE");
            }
            List<Frame> rest = new ArrayList<>(4);
            while (datagram.hasRemaining()) {
                long offset = frames.bytesConsumed();
                Frame frame = next(datagram);
                if (frame instanceof Hello
                        || (frame instanceof Goodbye && !rest.isEmpty())
                        || (!rest.isEmpty() && rest.get(0) instanceof Goodbye)) {
                    throw new UnexpectedFrameException(Frames.typeName(frame) + " frame at datagram offset " + offset
                            + " is out of place: a datagram holds one HELLO then RECORDs or exactly one GOODBYE; the "
                            + "sender must send the GOODBYE in a datagram of its own");
                }
                rest.add(frame);
            }
            return new Datagram(hello, rest);
        } catch (FrameProtocolException e) {
            datagram.position(start);
            throw e;
        }
    }

    private Frame next(ByteBuffer datagram) {
        Frame frame = frames.decode(datagram);
        if (frame == null) {
            throw frames.truncated(datagram);
        }
        return frame;
    }
}
