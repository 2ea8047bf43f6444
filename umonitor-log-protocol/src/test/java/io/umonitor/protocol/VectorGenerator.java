package io.umonitor.protocol;

import com.fasterxml.jackson.core.util.DefaultIndenter;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import com.fasterxml.jackson.core.util.Separators;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.umonitor.api.Attribute;
import io.umonitor.api.AttributeValue;
import io.umonitor.api.GuestClock;
import io.umonitor.api.LogLevel;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;
import java.util.zip.CRC32;

/**
 * Writes the test vectors in {@code vectors/} (PROTOCOL.md section 9). The committed files are the
 * specification; this class only saves typing them. Valid inputs come from {@link FrameEncoder}, invalid
 * ones are assembled byte by byte. Every vector's expected outcome is written here by hand and checked
 * against the decoder before anything is written, so a generator bug cannot silently become the spec.
 *
 * <p>Run: {@code mvn -B -q -o -pl umonitor-log-protocol -am test-compile} then
 * {@code java -cp <test-classes:classes:api:jackson> io.umonitor.protocol.VectorGenerator vectors}
 * from the module directory (see vectors/README.md).
 */
public final class VectorGenerator {
    record Vector(String name, String description, String transport, byte[] bytes, String text, List<Frame> frames,
            ProtocolErrorCode error, List<String> consoleText, List<List<String>> accounting) {
        Vector(String name, String description, String transport, byte[] bytes, String text, List<Frame> frames,
                ProtocolErrorCode error, List<String> consoleText) {
            this(name, description, transport, bytes, text, frames, error, consoleText, null);
        }
    }

    static final String TOKEN = "3f2a9c0e5b7d41e8a6c2f0b9d4e17a53";
    static final Hello HELLO = new Hello("web-1", TOKEN, "umonitor-c", "0.1.0", 0x0123456789abcdefL);
    static final Goodbye GOODBYE = new Goodbye(3, 0, "exit");

    private final FrameEncoder encoder = new FrameEncoder();
    private final List<Vector> vectors = new ArrayList<>();

    public static void main(String[] args) throws IOException {
        Path dir = Path.of(args.length > 0 ? args[0] : "vectors");
        VectorGenerator g = new VectorGenerator();
        g.all();
        Files.createDirectories(dir);
        try (Stream<Path> old = Files.list(dir)) {
            for (Path p : (Iterable<Path>) old::iterator) {
                if (p.toString().endsWith(".json")) {
                    Files.delete(p);
                }
            }
        }
        ObjectMapper mapper = new ObjectMapper();
        DefaultPrettyPrinter printer = new DefaultPrettyPrinter(Separators.createDefaultInstance()
                .withObjectFieldValueSpacing(Separators.Spacing.AFTER))
                .withArrayIndenter(DefaultIndenter.SYSTEM_LINEFEED_INSTANCE.withLinefeed("\n"))
                .withObjectIndenter(DefaultIndenter.SYSTEM_LINEFEED_INSTANCE.withLinefeed("\n"));
        for (Vector v : g.vectors) {
            VectorRunner.Result r = VectorRunner.run(v.transport(), v.bytes(), v.text());
            if (v.accounting() != null && !v.accounting().equals(VectorRunner.accounting(r.frames()))) {
                throw new IllegalStateException("vector " + v.name() + " accounts " + VectorRunner.accounting(r.frames())
                        + ", expected " + v.accounting());
            }
            if (!r.frames().equals(v.frames()) || r.error() != v.error() || !r.consoleText().equals(v.consoleText())) {
                throw new IllegalStateException("vector " + v.name() + " decodes to " + r + ", expected frames "
                        + v.frames() + " error " + v.error() + " console " + v.consoleText());
            }
            ObjectNode o = mapper.createObjectNode();
            o.put("name", v.name());
            o.put("description", v.description());
            o.put("transport", v.transport());
            if (v.text() != null) {
                o.put("text", v.text());
            } else {
                o.put("hex", HexFormat.of().formatHex(v.bytes()));
            }
            o.set("frames", VectorJson.toJson(v.frames()));
            if (v.error() != null) {
                o.put("error", v.error().name());
            }
            if (v.transport().equals("console")) {
                ArrayNode text = o.putArray("console_text");
                v.consoleText().forEach(text::add);
            }
            if (v.accounting() != null) {
                ArrayNode sessions = o.putArray("accounting");
                for (List<String> a : v.accounting()) {
                    sessions.addObject().put("session", a.get(0)).put("received", a.get(1)).put("lost", a.get(2))
                            .put("out_of_order", a.get(3));
                }
            }
            Files.writeString(dir.resolve(v.name() + ".json"), mapper.writer(printer).writeValueAsString(o) + "\n");
        }
        System.out.println("wrote " + g.vectors.size() + " vectors to " + dir.toAbsolutePath());
    }

    // ---- helpers --------------------------------------------------------------------------------

    private void valid(String name, String description, String transport, Frame... frames) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        if (transport.equals("udp")) {
            out.writeBytes(encoder.encodeDatagram((Hello) frames[0], Arrays.asList(frames).subList(1, frames.length)));
        } else {
            for (Frame f : frames) {
                out.writeBytes(encoder.encode(f));
            }
        }
        vectors.add(new Vector(name, description, transport, out.toByteArray(), null, List.of(frames), null, List.of()));
    }

    private void invalid(String name, String description, String transport, byte[] bytes, ProtocolErrorCode error,
            Frame... before) {
        vectors.add(new Vector(name, description, transport, bytes, null, List.of(before), error, List.of()));
    }

    private void console(String name, String description, String text, List<Frame> frames, ProtocolErrorCode error,
            List<String> consoleText) {
        vectors.add(new Vector(name, description, "console", null, text, frames, error, consoleText));
    }

    private byte[] enc(Frame... frames) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (Frame f : frames) {
            out.writeBytes(encoder.encode(f));
        }
        return out.toByteArray();
    }

    /** A frame with a correct CRC around any body. */
    static byte[] frame(int version, int type, byte[] body) {
        Raw r = new Raw().u8(0x55).u8(0x4d).u8(version).u8(type).u32(body.length).raw(body);
        CRC32 crc = new CRC32();
        byte[] b = r.get();
        crc.update(b);
        return r.u32(crc.getValue()).get();
    }

    static byte[] frame(int type, byte[] body) {
        return frame(1, type, body);
    }

    static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }

    static byte[] hex(String hex) {
        return HexFormat.of().parseHex(hex.replace(" ", ""));
    }

    /** Raw bytes, big-endian. */
    static final class Raw {
        private final ByteArrayOutputStream out = new ByteArrayOutputStream();

        Raw u8(int v) {
            out.write(v);
            return this;
        }

        Raw u16(int v) {
            return u8(v >>> 8).u8(v & 0xff);
        }

        Raw u32(long v) {
            return u16((int) (v >>> 16) & 0xffff).u16((int) v & 0xffff);
        }

        Raw u64(long v) {
            return u32(v >>> 32).u32(v & 0xffffffffL);
        }

        Raw raw(byte[] b) {
            out.writeBytes(b);
            return this;
        }

        Raw str8(String s) {
            byte[] b = s.getBytes(StandardCharsets.UTF_8);
            return u8(b.length).raw(b);
        }

        Raw str16(String s) {
            byte[] b = s.getBytes(StandardCharsets.UTF_8);
            return u16(b.length).raw(b);
        }

        /** A RECORD body up to and including the attribute count. */
        Raw record(long seq, int flags, long ts, int level, String logger, String message, int count) {
            return u64(seq).u8(flags).u64(ts).u8(level).str8(logger).str16(message).u16(count);
        }

        byte[] get() {
            return out.toByteArray();
        }
    }

    static RecordFrame record(long seq, String message, Attribute... attributes) {
        return new RecordFrame(seq, GuestClock.WALL, 1_764_057_600_123_456_789L + seq * 1_000_000L, LogLevel.INFO,
                "app", message, List.of(attributes));
    }

    static Attribute attr(String key, AttributeValue value) {
        return new Attribute(key, value);
    }

    static Attribute f64(String key, long bits) {
        return new Attribute(key, new AttributeValue.Float(Double.longBitsToDouble(bits)));
    }

    static String repeat(String unit, int bytes) {
        StringBuilder sb = new StringBuilder(bytes);
        while (sb.length() < bytes) {
            sb.append(unit);
        }
        return sb.substring(0, bytes);
    }

    // ---- the vectors ----------------------------------------------------------------------------

    void all() {
        frames();
        invalidFrames();
        tcp();
        udp();
        console();
        settled();
    }

    /** One vector per point PROTOCOL.md once left open (issue 14). */
    private void settled() {
        RecordFrame r0 = record(0, "zero");
        RecordFrame r1 = record(1, "one");
        Goodbye bye2 = new Goodbye(2, 0, "exit");
        // section 9: a frame vector applies none of the TCP ordering rules
        valid("stream-no-ordering-rules", "a 'frame' vector applies none of the ordering rules of section 5.1: a "
                + "RECORD before any HELLO, a second HELLO and a RECORD after a GOODBYE all decode", "frame",
                r0, HELLO, HELLO, bye2, r1);
        // section 5.2: which error wins
        invalid("udp-hello-then-3-bytes", "a HELLO followed by 3 stray bytes: the datagram is first cut into frames, "
                + "so it is TRUNCATED (not UNEXPECTED_FRAME for holding only a HELLO)", "udp",
                concat(enc(HELLO), hex("554d01")), ProtocolErrorCode.TRUNCATED);
        byte[] corruptLast = enc(HELLO, r0, HELLO, r1);
        corruptLast[corruptLast.length - 1] ^= 0x01;
        invalid("udp-second-hello-then-corrupt-record", "a HELLO, a RECORD, a second HELLO (out of place) and a RECORD "
                + "with a CRC mismatch: a frame error anywhere wins over a frame in the wrong place", "udp",
                corruptLast, ProtocolErrorCode.CORRUPT_FRAME);
        // section 7: loss accounting
        List<Frame> late = new ArrayList<>(List.of(HELLO));
        for (long s = 5; s < 10; s++) {
            late.add(record(s, "r" + s));
        }
        late.add(new Goodbye(10, 0, "exit"));
        accounted("loss-records-before-the-first-arrival", "records 0-4 never arrive, 5-9 do, then a GOODBYE of 10: "
                + "expected starts at 0, so the 5 are lost", "frame", late, List.of(List.of(
                        Long.toUnsignedString(HELLO.session()), "5", "5", "0")));
        accounted("loss-goodbye-only", "no record arrives, only a GOODBYE saying 10 were produced: all 10 are lost",
                "udp", List.of(HELLO, new Goodbye(10, 0, "exit")),
                List.of(List.of(Long.toUnsignedString(HELLO.session()), "0", "10", "0")));
        accounted("loss-late-and-duplicate", "records 0, 3, 1, 1, 2 over UDP-like reordering: 3 reveals 2 lost, the "
                + "late 1 and 2 take them back, the second 1 is a duplicate", "frame",
                List.of(HELLO, record(0, "a"), record(3, "d"), record(1, "b"), record(1, "b"), record(2, "c")),
                List.of(List.of(Long.toUnsignedString(HELLO.session()), "5", "0", "3")));
        accounted("loss-last-sequence-number", "sequence numbers are unsigned and expected does not wrap: records "
                + "2^63, 2^64-2 and 2^64-1, then 0 (out of order, it fills the first gap) and a GOODBYE of 2^64-1 "
                + "(reveals nothing)", "frame",
                List.of(HELLO, record(Long.MIN_VALUE, "2^63"), record(-2L, "2^64-2"), record(-1L, "2^64-1"),
                        record(0, "0"), new Goodbye(-1L, 0, "exit")),
                List.of(List.of(Long.toUnsignedString(HELLO.session()), "4", "18446744073709551612", "1")));
        accounted("loss-goodbye-max-produced", "a GOODBYE saying 2^64-1 records were produced and none arrived: all "
                + "18446744073709551615 are lost, counted exactly", "udp", List.of(HELLO, new Goodbye(-1L, 0, "")),
                List.of(List.of(Long.toUnsignedString(HELLO.session()), "0", "18446744073709551615", "0")));
        // section 5.3: the console
        Hello s7 = new Hello("solo5-hello", "", "umonitor-c", "0.1.0", 7);
        Hello s8 = new Hello("solo5-hello", "", "umonitor-c", "0.1.0", 8);
        List<Frame> any = List.of(r0, s7, r0, bye2, r1, s8, r0);
        vectors.add(new Vector("console-any-frame-order", "on the console any frame may follow any other: records "
                + "before the first HELLO belong to session 0, a HELLO sets the session of what follows, a RECORD "
                + "after a GOODBYE and a second HELLO are not errors", "console", null, lines(any.toArray(new Frame[0])),
                any, null, List.of(), List.of(List.of("0", "1", "0", "0"), List.of("7", "2", "0", "1"),
                        List.of("8", "1", "0", "0"))));
        badLine("console-hello-bad-name", "a console HELLO is informational (its token is not checked), but its name "
                + "must follow the name rule of section 4.1 like on every transport", "@UM1:"
                + java.util.Base64.getEncoder().encodeToString(frame(1, new Raw().str8("bad/name").str8("")
                        .str8("umonitor-c").str8("0.1.0").u64(7).get())), ProtocolErrorCode.CORRUPT_FRAME, r1);
        String canonical = encoder.encodeConsoleLine(r0);
        for (int i = 0; !canonical.endsWith("=="); i++) {
            canonical = encoder.encodeConsoleLine(record(0, "padded " + i));
        }
        String padBits = nonZeroPadBits(canonical);
        badLine("console-nonzero-pad-bits", "the base64 of a valid RECORD whose last character before the '=' has its "
                + "unused bits set (RFC 4648 section 3.5): rejected, so each frame has exactly one console line",
                padBits, ProtocolErrorCode.CORRUPT_FRAME, r1);
        String big = repeat("The quick brown fox jumps over the lazy dog. ", 65_500);
        RecordFrame longest = new RecordFrame(10, GuestClock.WALL, 1, LogLevel.INFO, "", big, List.of());
        String longestLine = encoder.encodeConsoleLine(longest);
        if (longestLine.length() != 87_385) {
            throw new IllegalStateException("the longest frame's console line has " + longestLine.length() + " chars");
        }
        valid("console-longest-frame", "a console line of 87,385 characters carrying a frame of 65,535 bytes, the "
                + "longest of section 3: every receiver accepts it", longestLine + "\n", List.of(longest), List.of());
        String tooLong = "@UM1:" + repeat("QUFB", 87_384);
        badLine("console-frame-line-too-long", "a line with the marker and 87,384 base64 characters, more than the "
                + "87,380 of the longest frame: FRAME_TOO_LONG, and the line is kept as console text", tooLong,
                ProtocolErrorCode.FRAME_TOO_LONG, r1);
        String plain = repeat("plain text without a frame marker; ", 87_385);
        valid("console-plain-line-87385", "an ordinary console line of 87,385 characters: every receiver keeps it "
                + "as one line", plain + "\n" + encoder.encodeConsoleLine(r1) + "\n", List.of(r1), List.of(plain));
        valid("console-cr-rule", "one CR at the end of a line is not part of it, for ordinary text and frame lines, "
                + "and also for a last line without LF; a CR elsewhere is data", "plain\r\nmid\rdle\r\n"
                + encoder.encodeConsoleLine(r0) + "\r\n" + "last\r", List.of(r0), List.of("plain", "mid\rdle", "last"));
        valid("console-cr-last-frame-line", "a frame line that is the last line, ended by a CR without LF",
                encoder.encodeConsoleLine(r1) + "\r", List.of(r1), List.of());
    }

    private void accounted(String name, String description, String transport, List<Frame> frames,
            List<List<String>> accounting) {
        valid(name, description, transport, frames.toArray(new Frame[0]));
        Vector v = vectors.remove(vectors.size() - 1);
        vectors.add(new Vector(v.name(), v.description(), v.transport(), v.bytes(), v.text(), v.frames(), v.error(),
                v.consoleText(), accounting));
    }

    /** The same line with the unused bits of the last character before the padding set. */
    static String nonZeroPadBits(String line) {
        int pad = line.endsWith("==") ? 2 : line.endsWith("=") ? 1 : 0;
        if (pad == 0) {
            throw new IllegalStateException("pick a record whose base64 has padding");
        }
        String alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        int at = line.length() - 1 - pad;
        int value = alphabet.indexOf(line.charAt(at)) | 1;
        return line.substring(0, at) + alphabet.charAt(value) + line.substring(at + 1);
    }

    private void frames() {
        valid("hello", "a HELLO as umonitor's C client sends it: name, 32-hex-digit token, client name and version, session",
                "frame", HELLO);
        valid("hello-unauthenticated-max-session", "a HELLO with a one-character name, an empty token (receivers that "
                + "accept unauthenticated senders) and session 2^64-1", "frame",
                new Hello("a", "", "umonitor-ocaml", "", -1L));
        valid("hello-name-63", "a HELLO whose name has the maximum 63 characters and uses every allowed kind "
                + "('.', '_', '-', digits, both cases)", "frame",
                new Hello("Z9" + repeat("a.b_c-D", 61), "t", "x", "1", 0));
        valid("record-minimal", "the smallest RECORD: sequence 0, wall clock timestamp 0, INFO, empty logger and "
                + "message, no attributes", "frame",
                new RecordFrame(0, GuestClock.WALL, 0, LogLevel.INFO, "", "", List.of()));
        valid("record-every-attribute-type", "one attribute of each of the 7 types, in type-code order", "frame",
                new RecordFrame(1, GuestClock.WALL, 1_764_057_600_000_000_000L, LogLevel.DEBUG, "main", "all types",
                        List.of(attr("null", new AttributeValue.Null()),
                                Attribute.of("string", "text"),
                                Attribute.of("int64", -42),
                                attr("uint64", new AttributeValue.UInt(0xdeadbeefL)),
                                f64("float64", Double.doubleToRawLongBits(3.5)),
                                attr("bool.true", new AttributeValue.Bool(true)),
                                attr("bool.false", new AttributeValue.Bool(false)),
                                attr("bytes", new AttributeValue.Bytes(hex("00 01 7f 80 ff"))),
                                attr("bytes.empty", new AttributeValue.Bytes(new byte[0])),
                                Attribute.of("string.empty", ""))));
        valid("record-sequence-max-monotonic", "sequence 2^64-1 (unsigned), a monotonic timestamp of 2^63-1 ns, FATAL",
                "frame", new RecordFrame(-1L, GuestClock.MONOTONIC, Long.MAX_VALUE, LogLevel.FATAL, "kernel", "panic",
                        List.of()));
        valid("record-timestamp-negative", "wall clock timestamps before 1970: -1 ns and the minimum int64, TRACE and "
                + "ERROR", "frame",
                new RecordFrame(2, GuestClock.WALL, -1L, LogLevel.TRACE, "clock", "one ns before the epoch", List.of()),
                new RecordFrame(3, GuestClock.WALL, Long.MIN_VALUE, LogLevel.ERROR, "clock", "earliest", List.of()));
        valid("record-no-timestamp", "flag 0x02: no timestamp, so the timestamp field is 0; clock NONE", "frame",
                new RecordFrame(4, GuestClock.NONE, 0, LogLevel.WARN, "early", "before the clock runs", List.of()));
        valid("record-every-level", "six RECORDs in one byte sequence, one per level code 1..6", "frame",
                Stream.of(LogLevel.values()).map(l -> new RecordFrame(l.wireCode(), GuestClock.MONOTONIC,
                        1000L * l.wireCode(), l, "levels", l.name().toLowerCase(), List.of())).toArray(Frame[]::new));
        valid("record-int64-extremes", "INT64 and UINT64 attributes at their extremes", "frame",
                record(5, "extremes",
                        Attribute.of("int64.min", Long.MIN_VALUE), Attribute.of("int64.max", Long.MAX_VALUE),
                        Attribute.of("int64.zero", 0), Attribute.of("int64.minus-one", -1),
                        attr("uint64.zero", new AttributeValue.UInt(0)),
                        attr("uint64.max", new AttributeValue.UInt(-1L)),
                        attr("uint64.2^63", new AttributeValue.UInt(Long.MIN_VALUE))));
        valid("record-float64-bit-patterns", "FLOAT64 values travel as their exact bit pattern: NaN (quiet, negative, "
                + "with payload), -0.0, +0.0, infinities, the smallest subnormal, the largest finite, 1.0", "frame",
                record(6, "floats",
                        f64("nan", 0x7ff8000000000000L), f64("nan.negative", 0xfff8000000000000L),
                        f64("nan.payload", 0x7ff8000000000123L), f64("zero.negative", 0x8000000000000000L),
                        f64("zero", 0L), f64("infinity", 0x7ff0000000000000L),
                        f64("infinity.negative", 0xfff0000000000000L), f64("subnormal.min", 1L),
                        f64("max", 0x7fefffffffffffffL), f64("one", 0x3ff0000000000000L)));
        valid("record-255-byte-logger-and-key", "a logger and an attribute key of the maximum 255 bytes", "frame",
                new RecordFrame(7, GuestClock.WALL, 7, LogLevel.INFO, repeat("logger.", 255), "long names",
                        List.of(Attribute.of(repeat("k", 255), "v"))));
        valid("record-utf8", "non-ASCII text: 2-byte (é, ζ), 3-byte (€, 日本), 4-byte (U+1F600) UTF-8 and a NUL inside "
                + "strings, in logger, message, key and value", "frame",
                new RecordFrame(8, GuestClock.WALL, 1_764_057_600_000_000_000L, LogLevel.INFO, "ζωή",
                        "café € 日本 \uD83D\uDE00 nul:\u0000:end",
                        List.of(Attribute.of("ключ", "значение"), Attribute.of("nul", "a\u0000b"),
                                Attribute.of("emoji", "\uD83D\uDE00\uD83D\uDE80"))));
        valid("record-conventional-keys", "a WARN about a NULL argument with the conventional keys of section 4.2: "
                + "function, file, line, stack, arg.NAME, error.kind, trace.event, trace.fn, trace.caller, trace.depth, "
                + "trace.thread", "frame",
                new RecordFrame(9, GuestClock.WALL, 1_764_057_600_500_000_000L, LogLevel.WARN, "net",
                        "NULL pointer passed as buf",
                        List.of(Attribute.of("function", "send_packet"), Attribute.of("file", "net.c"),
                                Attribute.of("line", 128), Attribute.of("stack", "send_packet\nflush\nmain"),
                                attr("arg.buf", new AttributeValue.Null()),
                                attr("arg.len", new AttributeValue.UInt(1500)),
                                Attribute.of("error.kind", "null_argument"), Attribute.of("trace.event", "enter"),
                                attr("trace.fn", new AttributeValue.UInt(0x401a2cL)),
                                attr("trace.caller", new AttributeValue.UInt(0x4010f0L)),
                                Attribute.of("trace.depth", 3),
                                attr("trace.thread", new AttributeValue.UInt(1)))));
        String big = repeat("The quick brown fox jumps over the lazy dog. ", 65_500);
        valid("record-max-frame-length", "a RECORD of exactly 65,535 bytes, the longest frame (message of 65,500 bytes)",
                "frame", new RecordFrame(10, GuestClock.WALL, 1, LogLevel.INFO, "", big, List.of()));
        valid("goodbye", "a GOODBYE: 3 records produced, none dropped, reason 'exit'", "frame", GOODBYE);
        valid("goodbye-max-counts-empty-reason", "a GOODBYE with both counts 2^64-1 and an empty reason", "frame",
                new Goodbye(-1L, -1L, ""));
        valid("stream-several-frames", "HELLO, two RECORDs and a GOODBYE back to back in one byte sequence", "frame",
                HELLO, record(0, "first"), record(1, "second"), new Goodbye(2, 0, "shutdown"));
    }

    private void invalidFrames() {
        byte[] good = enc(GOODBYE);
        byte[] badMagic = good.clone();
        badMagic[1] = 'X';
        invalid("invalid-bad-magic", "the frame starts 'UX' instead of 'UM'", "frame", badMagic,
                ProtocolErrorCode.CORRUPT_FRAME);
        invalid("invalid-garbage-after-frame", "a valid GOODBYE, then text that is not a frame: the error comes after "
                + "the first frame", "frame", concat(good, "GET / HTTP/1.1\r\n".getBytes(StandardCharsets.US_ASCII)),
                ProtocolErrorCode.CORRUPT_FRAME, GOODBYE);
        byte[] crc = good.clone();
        crc[crc.length - 1] ^= 0x01;
        invalid("invalid-crc-mismatch", "a GOODBYE whose last CRC bit is flipped", "frame", crc,
                ProtocolErrorCode.CORRUPT_FRAME);
        byte[] bodyFlip = good.clone();
        bodyFlip[12] ^= 0x40;
        invalid("invalid-crc-body-damaged", "a RECORD then a GOODBYE with one body bit flipped (the CRC no longer "
                + "matches)", "frame", concat(enc(record(0, "ok")), bodyFlip), ProtocolErrorCode.CORRUPT_FRAME,
                record(0, "ok"));
        invalid("invalid-version-2", "a complete, CRC-correct frame with version 2", "frame",
                frame(2, 3, new Raw().u64(3).u64(0).str8("exit").get()), ProtocolErrorCode.UNSUPPORTED_VERSION);
        invalid("invalid-version-0", "version 0, header only", "frame", hex("554d000300000015"),
                ProtocolErrorCode.UNSUPPORTED_VERSION);
        invalid("invalid-too-long-header-only", "a header announcing a body of 0x7fffffff bytes, with nothing after "
                + "it: FRAME_TOO_LONG from the 8 header bytes alone", "frame", hex("554d01027fffffff"),
                ProtocolErrorCode.FRAME_TOO_LONG);
        invalid("invalid-too-long-ffffffff", "body length 0xffffffff (a receiver must read it unsigned)", "frame",
                hex("554d0102ffffffff00"), ProtocolErrorCode.FRAME_TOO_LONG);
        invalid("invalid-too-long-by-one", "body length 65,524: frame length 65,536, one over the limit", "frame",
                hex("554d01020000fff4"), ProtocolErrorCode.FRAME_TOO_LONG);
        invalid("invalid-truncated-header", "input ends after 5 header bytes", "frame", hex("554d010300"),
                ProtocolErrorCode.TRUNCATED);
        invalid("invalid-truncated-body", "a HELLO, then a GOODBYE missing its last 3 bytes (CRC)", "frame",
                concat(enc(HELLO), Arrays.copyOf(good, good.length - 3)), ProtocolErrorCode.TRUNCATED, HELLO);
        invalid("invalid-trailing-byte-in-body", "a GOODBYE body with one extra byte after the reason (length and CRC "
                + "cover it)", "frame", frame(3, new Raw().u64(3).u64(0).str8("exit").u8(0).get()),
                ProtocolErrorCode.CORRUPT_FRAME);
        invalid("invalid-body-ends-inside-field", "a GOODBYE body of 10 bytes: it ends inside 'records dropped'",
                "frame", frame(3, new Raw().u64(3).u16(0).get()), ProtocolErrorCode.CORRUPT_FRAME);
        invalid("invalid-empty-record-body", "a RECORD with an empty body", "frame", frame(2, new byte[0]),
                ProtocolErrorCode.CORRUPT_FRAME);
        utf8("invalid-utf8-overlong", "an overlong encoding of '/' (C0 AF) in the message", hex("41c0af42"));
        utf8("invalid-utf8-overlong-3-byte", "an overlong 3-byte encoding of NUL (E0 80 80)", hex("e08080"));
        utf8("invalid-utf8-surrogate", "an encoded surrogate U+D800 (ED A0 80), as CESU-8 would send", hex("eda080"));
        utf8("invalid-utf8-truncated", "a 3-byte sequence cut after 2 bytes at the end of the message (E2 82)",
                hex("41e282"));
        utf8("invalid-utf8-above-max", "a code point above U+10FFFF (F4 90 80 80)", hex("f4908080"));
        utf8("invalid-utf8-lone-continuation", "a continuation byte without a lead byte (80)", hex("4180"));
        utf8("invalid-utf8-latin1", "Latin-1 text sent as if it were UTF-8 (caf E9)", hex("636166e9"));
        invalid("invalid-utf8-in-key", "an ill-formed key (FF)", "frame",
                frame(2, new Raw().record(0, 0, 0, 3, "", "", 1).u8(1).u8(0xff).u8(0).get()),
                ProtocolErrorCode.CORRUPT_FRAME);
        invalid("invalid-level-0", "level code 0", "frame", frame(2, new Raw().record(0, 0, 0, 0, "", "", 0).get()),
                ProtocolErrorCode.CORRUPT_FRAME);
        invalid("invalid-level-7", "level code 7", "frame", frame(2, new Raw().record(0, 0, 0, 7, "", "", 0).get()),
                ProtocolErrorCode.CORRUPT_FRAME);
        invalid("invalid-reserved-flag", "flags 0x04: a reserved bit set", "frame",
                frame(2, new Raw().record(0, 0x04, 0, 3, "", "", 0).get()), ProtocolErrorCode.CORRUPT_FRAME);
        invalid("invalid-reserved-flag-high", "flags 0x80: the highest reserved bit set", "frame",
                frame(2, new Raw().record(0, 0x80, 0, 3, "", "", 0).get()), ProtocolErrorCode.CORRUPT_FRAME);
        invalid("invalid-both-clock-flags", "flags 0x03: monotonic and no timestamp at once", "frame",
                frame(2, new Raw().record(0, 0x03, 0, 3, "", "", 0).get()), ProtocolErrorCode.CORRUPT_FRAME);
        invalid("invalid-no-timestamp-nonzero", "flags 0x02 (no timestamp) with timestamp 1 instead of 0", "frame",
                frame(2, new Raw().record(0, 0x02, 1, 3, "", "", 0).get()), ProtocolErrorCode.CORRUPT_FRAME);
        invalid("invalid-frame-type-4", "type 0x04 with a correct CRC", "frame", frame(4, new byte[0]),
                ProtocolErrorCode.CORRUPT_FRAME);
        invalid("invalid-frame-type-0", "type 0x00 with a correct CRC", "frame",
                frame(0, new Raw().u64(3).u64(0).str8("exit").get()), ProtocolErrorCode.CORRUPT_FRAME);
        invalid("invalid-attribute-type-7", "an attribute of type 0x07", "frame",
                frame(2, new Raw().record(0, 0, 0, 3, "", "", 1).str8("k").u8(7).u64(0).get()),
                ProtocolErrorCode.CORRUPT_FRAME);
        invalid("invalid-bool-2", "a BOOL attribute with value 2", "frame",
                frame(2, new Raw().record(0, 0, 0, 3, "", "", 1).str8("k").u8(5).u8(2).get()),
                ProtocolErrorCode.CORRUPT_FRAME);
        invalid("invalid-empty-key", "an attribute with an empty key", "frame",
                frame(2, new Raw().record(0, 0, 0, 3, "", "", 1).str8("").u8(0).get()),
                ProtocolErrorCode.CORRUPT_FRAME);
        invalid("invalid-attribute-count-absurd", "attribute count 65535 in a body with 3 bytes left: rejected before "
                + "any attribute is decoded", "frame",
                frame(2, new Raw().record(0, 0, 0, 3, "", "", 0xffff).str8("k").u8(0).get()),
                ProtocolErrorCode.CORRUPT_FRAME);
        invalid("invalid-attribute-count-too-high", "attribute count 2 but only one attribute in the body", "frame",
                frame(2, new Raw().record(0, 0, 0, 3, "", "", 2).str8("k").u8(0).u8(0).u8(0).get()),
                ProtocolErrorCode.CORRUPT_FRAME);
        invalid("invalid-message-length-beyond-body", "a message length of 65535 in a 31-byte body", "frame",
                frame(2, new Raw().u64(0).u8(0).u64(0).u8(3).str8("").u16(0xffff).raw(hex("41424344454647"))
                        .u16(0).get()), ProtocolErrorCode.CORRUPT_FRAME);
        invalid("invalid-bytes-length-beyond-body", "a BYTES attribute claiming 65535 bytes with 2 present", "frame",
                frame(2, new Raw().record(0, 0, 0, 3, "", "", 1).str8("b").u8(6).u16(0xffff).u16(0).get()),
                ProtocolErrorCode.CORRUPT_FRAME);
        invalid("invalid-hello-name-empty", "a HELLO with an empty name", "frame",
                frame(1, new Raw().str8("").str8("").str8("c").str8("1").u64(1).get()), ProtocolErrorCode.CORRUPT_FRAME);
        invalid("invalid-hello-name-leading-dash", "a HELLO whose name starts with '-'", "frame",
                frame(1, new Raw().str8("-web").str8("").str8("c").str8("1").u64(1).get()),
                ProtocolErrorCode.CORRUPT_FRAME);
        invalid("invalid-hello-name-64", "a HELLO whose name has 64 characters", "frame",
                frame(1, new Raw().str8(repeat("a", 64)).str8("").str8("c").str8("1").u64(1).get()),
                ProtocolErrorCode.CORRUPT_FRAME);
        invalid("invalid-hello-name-slash", "a HELLO whose name contains '/' (it must never name a path)", "frame",
                frame(1, new Raw().str8("../etc").str8("").str8("c").str8("1").u64(1).get()),
                ProtocolErrorCode.CORRUPT_FRAME);
        invalid("invalid-hello-name-non-ascii", "a HELLO whose name is well-formed UTF-8 but not ASCII", "frame",
                frame(1, new Raw().str8("wéb").str8("").str8("c").str8("1").u64(1).get()),
                ProtocolErrorCode.CORRUPT_FRAME);
    }

    private void utf8(String name, String description, byte[] message) {
        invalid(name, description, "frame",
                frame(2, new Raw().u64(0).u8(0).u64(0).u8(3).str8("").u16(message.length).raw(message).u16(0).get()),
                ProtocolErrorCode.CORRUPT_FRAME);
    }

    private void tcp() {
        RecordFrame r0 = record(0, "started");
        RecordFrame r1 = record(1, "serving", Attribute.of("port", 8080));
        RecordFrame r2 = record(2, "stopping");
        valid("tcp-session", "a whole TCP session: HELLO, three RECORDs, GOODBYE", "tcp", HELLO, r0, r1, r2, GOODBYE);
        valid("tcp-session-without-goodbye", "a TCP session that just ends (the connection closed) after whole frames",
                "tcp", HELLO, r0, r1);
        valid("tcp-hello-only", "a TCP session of just a HELLO", "tcp", HELLO);
        invalid("tcp-record-before-hello", "a RECORD as the first frame of a connection", "tcp", enc(r0, HELLO),
                ProtocolErrorCode.UNEXPECTED_FRAME);
        invalid("tcp-goodbye-before-hello", "a GOODBYE as the first frame of a connection", "tcp", enc(GOODBYE),
                ProtocolErrorCode.UNEXPECTED_FRAME);
        invalid("tcp-second-hello", "a second HELLO after a RECORD", "tcp", enc(HELLO, r0, HELLO, r1),
                ProtocolErrorCode.UNEXPECTED_FRAME, HELLO, r0);
        invalid("tcp-record-after-goodbye", "a RECORD after the GOODBYE", "tcp", enc(HELLO, r0, GOODBYE, r1),
                ProtocolErrorCode.UNEXPECTED_FRAME, HELLO, r0, GOODBYE);
        byte[] partial = enc(r2);
        invalid("tcp-truncated", "the connection closes in the middle of the third frame", "tcp",
                concat(enc(HELLO, r0), Arrays.copyOf(partial, 20)), ProtocolErrorCode.TRUNCATED, HELLO, r0);
        byte[] corrupt = enc(r1);
        corrupt[corrupt.length - 2] ^= 0x10;
        invalid("tcp-corrupt-record", "a RECORD with a CRC mismatch ends the connection; the frames before it stay "
                + "decoded", "tcp", concat(enc(HELLO, r0), corrupt, enc(r2)), ProtocolErrorCode.CORRUPT_FRAME,
                HELLO, r0);
    }

    private void udp() {
        RecordFrame r0 = record(0, "tick");
        RecordFrame r1 = record(1, "tock", attr("ok", new AttributeValue.Bool(true)));
        RecordFrame r2 = record(2, "tick");
        valid("udp-one-record", "a datagram with a HELLO and one RECORD", "udp", HELLO, r0);
        valid("udp-several-records", "a datagram with a HELLO and three RECORDs", "udp", HELLO, r0, r1, r2);
        valid("udp-goodbye", "a datagram with a HELLO and a GOODBYE", "udp", HELLO, GOODBYE);
        invalid("udp-without-hello", "a datagram with only a RECORD: it cannot be authenticated", "udp", enc(r0),
                ProtocolErrorCode.UNEXPECTED_FRAME);
        invalid("udp-hello-only", "a datagram with only a HELLO", "udp", enc(HELLO),
                ProtocolErrorCode.UNEXPECTED_FRAME);
        invalid("udp-two-hellos", "a datagram with a HELLO, a RECORD and another HELLO", "udp", enc(HELLO, r0, HELLO),
                ProtocolErrorCode.UNEXPECTED_FRAME);
        invalid("udp-goodbye-after-record", "a datagram with a HELLO, a RECORD and a GOODBYE (a GOODBYE travels "
                + "alone)", "udp", enc(HELLO, r0, GOODBYE), ProtocolErrorCode.UNEXPECTED_FRAME);
        invalid("udp-trailing-garbage", "a valid HELLO and RECORD followed by 9 bytes that are not a frame: the whole "
                + "datagram is dropped", "udp", concat(enc(HELLO, r0), "garbage!\n".getBytes(StandardCharsets.US_ASCII)),
                ProtocolErrorCode.CORRUPT_FRAME);
        invalid("udp-trailing-short", "a valid HELLO and RECORD followed by 3 stray bytes (less than a header)", "udp",
                concat(enc(HELLO, r0), hex("554d01")), ProtocolErrorCode.TRUNCATED);
        byte[] cut = enc(HELLO, r0, r1);
        invalid("udp-truncated", "a datagram whose last RECORD is cut short", "udp", Arrays.copyOf(cut, cut.length - 5),
                ProtocolErrorCode.TRUNCATED);
        byte[] bad = enc(HELLO, r0, r1);
        bad[bad.length - 6] ^= 0x01;
        invalid("udp-corrupt-second-record", "a datagram whose second RECORD has a CRC mismatch: the valid first "
                + "RECORD is dropped too", "udp", bad, ProtocolErrorCode.CORRUPT_FRAME);
        invalid("udp-empty", "an empty datagram", "udp", new byte[0], ProtocolErrorCode.TRUNCATED);
    }

    private void console() {
        RecordFrame r0 = record(0, "console record");
        RecordFrame r1 = record(1, "second", Attribute.of("function", "main"));
        Hello consoleHello = new Hello("solo5-hello", "", "umonitor-c", "0.1.0", 7);
        Goodbye bye = new Goodbye(2, 0, "exit");
        String l0 = encoder.encodeConsoleLine(r0);
        valid("console-single-record", "one console line carrying a RECORD", l0 + "\n", List.of(r0), List.of());
        valid("console-interleaved", "frames interleaved with ordinary console output: Solo5 banner lines, an empty "
                + "line, a CRLF line, a line with the marker not at the start, '@UM1' without the colon, a frame "
                + "line ending in CRLF, and a last line without a newline",
                "            |      ___|\n  __|  _ \\  |  _ \\ __ \\\n\n" + "Solo5: booting\r\n" + l0 + "\n"
                        + " " + l0 + "\n" + "@UM1 not a frame\n" + encoder.encodeConsoleLine(r1) + "\r\n" + "bye",
                List.of(r0, r1), List.of("            |      ___|", "  __|  _ \\  |  _ \\ __ \\", "", "Solo5: booting",
                        " " + l0, "@UM1 not a frame", "bye"));
        valid("console-session", "a whole console session: HELLO (informational, empty token), two RECORDs, GOODBYE",
                lines(consoleHello, r0, r1, bye), List.of(consoleHello, r0, r1, bye), List.of());
        valid("console-without-hello", "console frames need no HELLO: a RECORD and a GOODBYE alone",
                lines(r0, bye), List.of(r0, bye), List.of());
        badLine("console-bad-base64", "a line with the marker whose payload has a character outside base64; the "
                + "next line still decodes", "@UM1:VU0B*wAAABU=", ProtocolErrorCode.CORRUPT_FRAME, r1);
        badLine("console-frame-then-garbage", "a line with a valid frame followed by characters that are not base64: "
                + "the line is console text and an error", l0 + " trailing garbage", ProtocolErrorCode.CORRUPT_FRAME, r1);
        byte[] twoFrames = enc(r0, bye);
        badLine("console-two-frames-in-one-line", "a line whose payload is two whole frames (exactly one is allowed)",
                "@UM1:" + java.util.Base64.getEncoder().encodeToString(twoFrames), ProtocolErrorCode.CORRUPT_FRAME, r1);
        String unpadded = l0.replace("=", "");
        if (unpadded.equals(l0)) {
            throw new IllegalStateException("pick a record whose base64 has padding");
        }
        badLine("console-unpadded-base64", "base64 without its '=' padding (padding is required)", unpadded,
                ProtocolErrorCode.CORRUPT_FRAME, r1);
        byte[] r0Bytes = enc(r0);
        badLine("console-truncated-frame", "the base64 of a RECORD missing its last 4 bytes", "@UM1:"
                + java.util.Base64.getEncoder().encodeToString(Arrays.copyOf(r0Bytes, r0Bytes.length - 4)),
                ProtocolErrorCode.TRUNCATED, r1);
        byte[] damaged = r0Bytes.clone();
        damaged[9] ^= 0x01;
        badLine("console-crc-mismatch", "the base64 of a RECORD with one bit flipped", "@UM1:"
                + java.util.Base64.getEncoder().encodeToString(damaged), ProtocolErrorCode.CORRUPT_FRAME, r1);
        badLine("console-marker-only", "the marker with nothing after it", "@UM1:", ProtocolErrorCode.TRUNCATED, r1);
        badLine("console-version-2", "a line carrying a version 2 frame",
                "@UM1:" + java.util.Base64.getEncoder().encodeToString(frame(2, 3, new Raw().u64(3).u64(0).str8("")
                        .get())), ProtocolErrorCode.UNSUPPORTED_VERSION, r1);
    }

    private String lines(Frame... frames) {
        StringBuilder sb = new StringBuilder();
        for (Frame f : frames) {
            sb.append(encoder.encodeConsoleLine(f)).append('\n');
        }
        return sb.toString();
    }

    private void valid(String name, String description, String text, List<Frame> frames, List<String> consoleText) {
        console(name, description, text, frames, null, consoleText);
    }

    /** A plain line, the bad line, then a good frame line: the bad line is kept as text. */
    private void badLine(String name, String description, String bad, ProtocolErrorCode error, Frame after) {
        console(name, description, "before\n" + bad + "\n" + encoder.encodeConsoleLine(after) + "\n",
                List.of(after), error, List.of("before", bad));
    }
}
