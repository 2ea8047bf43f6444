package io.umonitor.protocol;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** Decodes a vector's input the way its transport says (PROTOCOL.md section 9). */
final class VectorRunner {
    /** What a vector's input decodes to: frames, the error after them (or null), console text lines. */
    record Result(List<Frame> frames, ProtocolErrorCode error, List<String> consoleText) {
    }

    private VectorRunner() {
    }

    static Result run(String transport, byte[] bytes, String text) {
        switch (transport) {
            case "frame":
                return stream(ByteBuffer.wrap(bytes), false);
            case "tcp":
                return stream(ByteBuffer.wrap(bytes), true);
            case "udp":
                try {
                    Datagram d = new DatagramDecoder().decode(ByteBuffer.wrap(bytes));
                    List<Frame> frames = new ArrayList<>();
                    frames.add(d.hello());
                    frames.addAll(d.frames());
                    return new Result(frames, null, List.of());
                } catch (FrameProtocolException e) {
                    return new Result(List.of(), e.errorCode(), List.of());
                }
            case "console":
                return console(text);
            default:
                throw new IllegalArgumentException("transport " + transport);
        }
    }

    /** Feeds a whole stream in one buffer. */
    static Result stream(ByteBuffer in, boolean tcp) {
        List<Frame> frames = new ArrayList<>();
        FrameDecoder plain = new FrameDecoder();
        TcpStreamDecoder ordered = new TcpStreamDecoder();
        try {
            while (true) {
                Frame f = tcp ? ordered.decode(in) : plain.decode(in);
                if (f == null) {
                    break;
                }
                frames.add(f);
            }
            if (tcp) {
                ordered.endOfInput(in);
            } else {
                plain.endOfInput(in);
            }
            return new Result(frames, null, List.of());
        } catch (FrameProtocolException e) {
            return new Result(frames, e.errorCode(), List.of());
        }
    }

    /** Splits text into lines at LF; a last line without LF counts when it is not empty. */
    static List<String> lines(String text) {
        List<String> lines = new ArrayList<>();
        int start = 0;
        for (int i = 0; i < text.length(); i++) {
            if (text.charAt(i) == '\n') {
                lines.add(text.substring(start, i + 1));
                start = i + 1;
            }
        }
        if (start < text.length()) {
            lines.add(text.substring(start));
        }
        return lines;
    }

    static Result console(String text) {
        ConsoleDecoder decoder = new ConsoleDecoder();
        List<Frame> frames = new ArrayList<>();
        List<String> consoleText = new ArrayList<>();
        ProtocolErrorCode error = null;
        for (String line : lines(text)) {
            try {
                Optional<Frame> f = decoder.decodeLine(line);
                if (f.isPresent()) {
                    frames.add(f.get());
                    continue;
                }
            } catch (FrameProtocolException e) {
                if (error == null) {
                    error = e.errorCode();
                }
            }
            consoleText.add(stripNewline(line));
        }
        return new Result(frames, error, consoleText);
    }

    /** Removes the LF and one CR at the end of the line, also when the last line has no LF. */
    static String stripNewline(String line) {
        int n = line.length();
        if (n > 0 && line.charAt(n - 1) == '\n') {
            n--;
        }
        if (n > 0 && line.charAt(n - 1) == '\r') {
            n--;
        }
        return line.substring(0, n);
    }

    /**
     * The loss accounting of PROTOCOL.md section 7 over decoded frames in order: per session in order of first
     * appearance, {@code [session, received, lost, out_of_order]} as decimal strings. Frames before any HELLO
     * belong to session 0.
     */
    static List<List<String>> accounting(List<Frame> frames) {
        SequenceTracker tracker = new SequenceTracker(SequenceTracker.DEFAULT_MAX_GAPS_PER_SESSION, 1024);
        java.util.LinkedHashSet<Long> sessions = new java.util.LinkedHashSet<>();
        long session = 0;
        for (Frame f : frames) {
            if (f instanceof Hello h) {
                session = h.session();
            } else if (f instanceof RecordFrame r) {
                sessions.add(session);
                tracker.onRecord("s", session, r.sequence());
            } else if (f instanceof Goodbye g) {
                sessions.add(session);
                tracker.onGoodbye("s", session, g.produced());
            }
        }
        List<List<String>> out = new ArrayList<>();
        for (long s : sessions) {
            SequenceTracker.Counts c = tracker.counts("s", s).orElseThrow();
            out.add(List.of(Long.toUnsignedString(s), Long.toUnsignedString(c.received()),
                    Long.toUnsignedString(c.lost()), Long.toUnsignedString(c.outOfOrder())));
        }
        return out;
    }
}
