package io.umonitor.examples.cli;

import io.umonitor.api.LogRecord;
import io.umonitor.api.spi.LogSink;
import io.umonitor.api.spi.ProviderContext;
import io.umonitor.core.sink.FileSink;
import java.nio.file.Path;

/**
 * The command line's second file sink: {@code NAME.jsonl} next to the text {@code NAME.log}. The text file
 * is for people (and grep); its escaping is reversible but its attribute types are not (is {@code 7} an
 * int, an unsigned or a float?), so {@code umonitor logs} reads the JSON Lines file, which is exact, and
 * shows it in whatever form was asked for. Only the CLI adds it; embedders choose their sinks themselves.
 */
final class JsonLinesCompanion implements LogSink {
    static final String ID = "file-jsonl";

    private final FileSink file;

    JsonLinesCompanion(Path directory) {
        this.file = new FileSink(directory, FileSink.Format.JSON, FileSink.DEFAULT_MAX_BYTES, FileSink.DEFAULT_KEEP);
    }

    @Override
    public String id() {
        return ID;
    }

    @Override
    public void open(ProviderContext context) {
        file.open();
    }

    @Override
    public void accept(LogRecord record) {
        file.accept(record);
    }

    @Override
    public void flush() {
        file.flush();
    }

    @Override
    public void close() {
        file.close();
    }
}
