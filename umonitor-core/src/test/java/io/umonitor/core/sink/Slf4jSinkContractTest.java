package io.umonitor.core.sink;

import io.umonitor.api.spi.LogSink;
import io.umonitor.testkit.LogSinkContract;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/**
 * The SLF4J sink against the sink contract, read back from what slf4j-simple (the test binding) prints
 * on standard error, which the test captures. The sink has no storage of its own to fail: where its
 * events go is the host application's logging configuration, so the failure test is skipped.
 */
class Slf4jSinkContractTest extends LogSinkContract {

    private final ByteArrayOutputStream captured = new ByteArrayOutputStream();
    private PrintStream original;

    @BeforeEach
    void captureStandardError() {
        original = System.err;
        System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
    }

    @AfterEach
    void restoreStandardError() {
        System.setErr(original);
    }

    @Override
    protected LogSink createSink() {
        return new Slf4jSink();
    }

    @Override
    protected List<String> stored(String unikernel) {
        String logger = " " + Slf4jSink.LOGGER_PREFIX + unikernel + " - ";
        String text;
        synchronized (captured) {
            text = captured.toString(StandardCharsets.UTF_8);
        }
        return Arrays.stream(text.split("\n")).filter(l -> l.contains(logger)).toList();
    }
}
