package io.umonitor.protocol;

final class Frames {
    private Frames() {
    }

    /** {@code 0x} and lowercase hex digits, at least {@code digits} of them; cheaper than String.format. */
    static String hex(long value, int digits) {
        String h = Long.toHexString(value);
        return "0x" + "0".repeat(Math.max(0, digits - h.length())) + h;
    }

    static String typeName(Frame frame) {
        return frame instanceof Hello ? "HELLO" : frame instanceof RecordFrame ? "RECORD" : "GOODBYE";
    }
}
