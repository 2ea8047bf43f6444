package io.umonitor.protocol.trace;

import java.nio.file.Path;

/**
 * A code address turned into a function and, when debug information allows, a source location.
 *
 * @param address the link-time address
 * @param function the function's name, or the address in hex when no symbol covers it
 * @param offset bytes from the function's start
 * @param file the source file (as the debug information names it), or null when unknown
 * @param line the source line, 0 when unknown
 * @since 0.1
 */
public record ResolvedAddress(long address, String function, long offset, String file, int line) {

    /** {@code handle_request (server.c:42)}, or just the function when the location is unknown. */
    @Override
    public String toString() {
        if (file == null || line <= 0) {
            return function;
        }
        Path name = Path.of(file).getFileName();
        return function + " (" + (name == null ? file : name.toString()) + ":" + line + ")";
    }
}
