package io.umonitor.protocol;

final class Frames {
    private Frames() {
    }

    static String typeName(Frame frame) {
        return frame instanceof Hello ? "HELLO" : frame instanceof RecordFrame ? "RECORD" : "GOODBYE";
    }
}
