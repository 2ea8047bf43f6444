package io.umonitor.protocol;

import java.util.List;
import java.util.Objects;

/**
 * One decoded UDP datagram (PROTOCOL.md section 5.2).
 *
 * @param hello the HELLO that identifies and authenticates the sender
 * @param frames the frames after the HELLO: one or more {@link RecordFrame}s, or exactly one {@link Goodbye}
 * @since 0.1
 */
public record Datagram(Hello hello, List<Frame> frames) {
    public Datagram {
        Objects.requireNonNull(hello, "hello");
        frames = List.copyOf(frames);
    }
}
