package io.umonitor.protocol;

/**
 * One log protocol v1 frame (PROTOCOL.md section 3): a {@link Hello}, a {@link RecordFrame} or a
 * {@link Goodbye}. Frames are immutable values, safe to share between threads; their constructors
 * validate everything {@link FrameEncoder} needs, so every frame that exists can be encoded (as long as
 * the whole frame stays under the 65,535-byte limit, which the encoder checks).
 *
 * @since 0.1
 */
public sealed interface Frame permits Hello, RecordFrame, Goodbye {

    /** The frame's type code on the wire: 1 HELLO, 2 RECORD, 3 GOODBYE. */
    int typeCode();
}
