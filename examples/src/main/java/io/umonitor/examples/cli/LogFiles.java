package io.umonitor.examples.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import io.umonitor.api.LogRecord;
import io.umonitor.core.sink.FileSink;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * The log files of the command line's file sinks in one directory: {@code NAME.jsonl} (exact, read first)
 * and {@code NAME.log} (text, read back with {@link TextLogParser} when no JSON Lines file exists), each
 * with its rotated predecessors {@code NAME.jsonl.1} (newer) .. {@code NAME.jsonl.KEEP} (oldest).
 */
final class LogFiles {
    private final Path directory;

    LogFiles(Path directory) {
        this.directory = directory;
    }

    Path directory() {
        return directory;
    }

    Path jsonFile(String name) {
        return new FileSink(directory, FileSink.Format.JSON, FileSink.DEFAULT_MAX_BYTES, FileSink.DEFAULT_KEEP).fileOf(name);
    }

    Path textFile(String name) {
        return new FileSink(directory, FileSink.Format.TEXT, FileSink.DEFAULT_MAX_BYTES, FileSink.DEFAULT_KEEP).fileOf(name);
    }

    /** The current file of {@code name}: JSON Lines if there is one, else text; null when neither exists. */
    Path current(String name) {
        Path json = jsonFile(name);
        if (Files.exists(json)) {
            return json;
        }
        Path text = textFile(name);
        return Files.exists(text) ? text : null;
    }

    boolean has(String name) {
        return current(name) != null;
    }

    /** Names with a log file here. */
    Set<String> names() {
        Set<String> names = new TreeSet<>();
        if (!Files.isDirectory(directory)) {
            return names;
        }
        try (Stream<Path> files = Files.list(directory)) {
            files.map(f -> f.getFileName().toString()).forEach(f -> {
                if (f.endsWith(".jsonl")) {
                    names.add(f.substring(0, f.length() - 6));
                } else if (f.endsWith(".log")) {
                    names.add(f.substring(0, f.length() - 4));
                }
            });
        } catch (IOException e) {
            // an unreadable directory has no logs to show
        }
        return names;
    }

    /** Every record of {@code name}, oldest file first, each file in order. */
    List<LogRecord> read(String name) throws IOException {
        List<LogRecord> out = new ArrayList<>();
        Path current = current(name);
        if (current == null) {
            return out;
        }
        for (int i = FileSink.DEFAULT_KEEP; i >= 1; i--) {
            Path rotated = current.resolveSibling(current.getFileName() + "." + i);
            if (Files.exists(rotated)) {
                readFile(name, rotated, out::add);
            }
        }
        readFile(name, current, out::add);
        return out;
    }

    static boolean isJson(Path file) {
        return file.getFileName().toString().contains(".jsonl");
    }

    /** Reads one file; returns how many bytes of complete lines it consumed (for following it). */
    static long readFile(String name, Path file, Consumer<LogRecord> sink) throws IOException {
        return readFrom(name, file, 0, sink);
    }

    static long readFrom(String name, Path file, long offset, Consumer<LogRecord> sink) throws IOException {
        boolean json = isJson(file);
        byte[] bytes;
        try (var channel = java.nio.channels.FileChannel.open(file)) {
            long size = channel.size();
            if (size <= offset) {
                return size < offset ? 0 : offset; // a rotated (shorter) file starts again from its beginning
            }
            java.nio.ByteBuffer buf = java.nio.ByteBuffer.allocate((int) Math.min(size - offset, 64L << 20));
            while (buf.hasRemaining() && channel.read(buf, offset + buf.position()) > 0) {
                // read fully
            }
            bytes = java.util.Arrays.copyOf(buf.array(), buf.position());
        }
        int lastNewline = -1;
        for (int i = bytes.length - 1; i >= 0; i--) {
            if (bytes[i] == '\n') {
                lastNewline = i;
                break;
            }
        }
        if (lastNewline < 0) {
            return offset; // no complete line yet
        }
        String text = new String(bytes, 0, lastNewline + 1, StandardCharsets.UTF_8);
        try (BufferedReader in = new BufferedReader(new java.io.StringReader(text))) {
            String line;
            while ((line = in.readLine()) != null) {
                if (line.isBlank()) {
                    continue;
                }
                if (json) {
                    try {
                        sink.accept(RecordJson.fromJson(RecordJson.MAPPER.readTree(line)));
                    } catch (JsonProcessingException | RuntimeException e) {
                        // a line cut off by a crash: the next one is whole again
                    }
                } else {
                    TextLogParser.parse(name, line).ifPresent(sink);
                }
            }
        }
        return offset + lastNewline + 1;
    }
}
