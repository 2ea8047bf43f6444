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
     * @throws UnexpectedFrameException when every frame is valid but the datagram does not start with a HELLO,
     *     has no RECORD or GOODBYE after it, or mixes them
     * @throws TruncatedFrameException when it ends inside a frame (or is empty)
     * @throws FrameProtocolException for any error in a frame
     */
    public Datagram decode(ByteBuffer datagram) {
        int start = datagram.position();
        frames.resetOffset();
        try {
            // Two layers (PROTOCOL.md section 5.2): cut the whole datagram into valid frames first, so a frame
            // error anywhere wins over a frame in the wrong place; only then check the order.
            List<Frame> all = new ArrayList<>(4);
            List<Long> offsets = new ArrayList<>(4);
            do {
                offsets.add(frames.bytesConsumed());
                all.add(next(datagram));
            } while (datagram.hasRemaining());
            if (!(all.get(0) instanceof Hello hello)) {
                throw new UnexpectedFrameException(Frames.typeName(all.get(0)) + " frame at datagram offset 0: a "
                        + "datagram must start with a HELLO; the sender must put its HELLO first in every datagram");
            }
            if (all.size() == 1) {
                throw new UnexpectedFrameException("datagram of " + (datagram.position() - start) + " bytes holds "
                        + "only a HELLO: the sender must follow it with one or more RECORDs or one GOODBYE");
            }
            List<Frame> rest = all.subList(1, all.size());
            for (int i = 0; i < rest.size(); i++) {
                Frame frame = rest.get(i);
                if (frame instanceof Hello || (i > 0 && (frame instanceof Goodbye || rest.get(0) instanceof Goodbye))) {
                    throw new UnexpectedFrameException(Frames.typeName(frame) + " frame at datagram offset "
                            + offsets.get(i + 1) + " is out of place: a datagram holds one HELLO then RECORDs or "
                            + "exactly one GOODBYE; the sender must send the GOODBYE in a datagram of its own");
                }
            }
            return new Datagram(hello, new ArrayList<>(rest));
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
