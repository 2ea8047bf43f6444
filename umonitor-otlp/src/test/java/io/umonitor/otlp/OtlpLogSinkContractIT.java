package io.umonitor.otlp;

import io.umonitor.api.spi.LogSink;
import io.umonitor.testkit.LogSinkContract;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/**
 * The OTLP sink against the sink contract, exporting over real HTTP to {@link OtlpReceiver} (a stand-in
 * for an OpenTelemetry Collector, which cannot be installed here). A failing store is the receiver gone;
 * the repair is a new receiver on the same port.
 */
class OtlpLogSinkContractIT extends LogSinkContract {

    private OtlpReceiver receiver;
    private int port;

    @BeforeEach
    void startReceiver() throws IOException {
        receiver = OtlpReceiver.http(0);
        port = receiver.port();
    }

    @AfterEach
    void stopReceiver() {
        receiver.close();
    }

    @Override
    protected LogSink createSink() {
        return new OtlpLogSink();
    }

    @Override
    protected Map<String, String> settings() {
        return Map.of("endpoint", "http://127.0.0.1:" + port);
    }

    /** OTLP bodies are structured data: the guest's text goes as it was, escaping is the viewer's job. */
    @Override
    protected boolean storesTextLines() {
        return false;
    }

    @Override
    protected List<String> stored(String unikernel) {
        return receiver.of(unikernel).stream().map(r -> r.record().getBody().getStringValue()).toList();
    }

    @Override
    protected Optional<Runnable> breakStorage(LogSink sink) {
        receiver.close();
        return Optional.of(() -> {
            try {
                receiver = OtlpReceiver.http(port);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
    }
}
