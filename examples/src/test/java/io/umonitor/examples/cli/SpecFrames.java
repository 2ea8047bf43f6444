package io.umonitor.examples.cli;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.zip.CRC32;

/**
 * Log protocol frames written from PROTOCOL.md sections 2-4 alone, without the project's encoder, so the
 * conformance test checks the collector against the specification rather than against itself.
 */
final class SpecFrames {
    static final int HELLO = 0x01;
    static final int RECORD = 0x02;
    static final int GOODBYE = 0x03;

    private final ByteArrayOutputStream body = new ByteArrayOutputStream();

    static SpecFrames body() {
        return new SpecFrames();
    }

    SpecFrames u8(int v) {
        body.write(v);
        return this;
    }

    SpecFrames u16(int v) {
        return u8(v >>> 8).u8(v & 0xff);
    }

    SpecFrames u64(long v) {
        for (int shift = 56; shift >= 0; shift -= 8) {
            u8((int) (v >>> shift) & 0xff);
        }
        return this;
    }

    SpecFrames str8(String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        u8(b.length);
        body.writeBytes(b);
        return this;
    }

    SpecFrames str16(String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        u16(b.length);
        body.writeBytes(b);
        return this;
    }

    /** Section 3: magic, version 1, type, body length, body, CRC-32 of everything before it. */
    byte[] frame(int type) {
        byte[] b = body.toByteArray();
        ByteArrayOutputStream f = new ByteArrayOutputStream();
        f.writeBytes(new byte[] {0x55, 0x4d, 0x01, (byte) type, (byte) (b.length >>> 24), (byte) (b.length >>> 16),
                (byte) (b.length >>> 8), (byte) b.length});
        f.writeBytes(b);
        CRC32 crc = new CRC32();
        crc.update(f.toByteArray());
        long c = crc.getValue();
        f.writeBytes(new byte[] {(byte) (c >>> 24), (byte) (c >>> 16), (byte) (c >>> 8), (byte) c});
        return f.toByteArray();
    }

    static byte[] hello(String name, String token, long session) {
        return body().str8(name).str8(token).str8("spec-client").str8("1").u64(session).frame(HELLO);
    }

    /** A RECORD body up to its attribute count: wall clock, INFO, logger "spec". */
    static SpecFrames record(long sequence, String message, int attributes) {
        return body().u64(sequence).u8(0).u64(1_764_057_600_000_000_000L).u8(3).str8("spec").str16(message)
                .u16(attributes);
    }

    static byte[] goodbye(long produced, long dropped) {
        return body().u64(produced).u64(dropped).str8("exit").frame(GOODBYE);
    }

    /** Section 5.3: one frame per console line. */
    static String consoleLine(byte[] frame) {
        return "@UM1:" + Base64.getEncoder().encodeToString(frame);
    }

    static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }
}
