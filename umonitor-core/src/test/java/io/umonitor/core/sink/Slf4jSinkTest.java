package io.umonitor.core.sink;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.umonitor.api.LogLevel;
import io.umonitor.api.LogOrigin;
import io.umonitor.api.LogRecord;
import io.umonitor.api.spi.LogSink;
import io.umonitor.api.spi.ProviderContext;
import java.nio.file.Path;
import java.util.Map;
import java.util.ServiceLoader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class Slf4jSinkTest {
    @TempDir
    Path dir;

    @Test
    void isFoundByServiceLoaderAndForwardsWithoutFailing() {
        LogSink sink = ServiceLoader.load(LogSink.class).stream().map(ServiceLoader.Provider::get)
                .filter(s -> s.id().equals("slf4j")).findFirst().orElseThrow();
        sink.open(new ProviderContext(Map.of(), dir, dir));
        sink.accept(LogRecord.simple("web", LogOrigin.CONSOLE, LogLevel.WARN, "stdout", "hello\nforged"));
        sink.accept(LogRecord.simple("web", LogOrigin.CONSOLE, LogLevel.FATAL, "", "fatal"));
        sink.close();
        assertEquals(null, org.slf4j.MDC.get(Slf4jSink.MDC_KEY), "the MDC is cleaned up");
    }

    @Test
    void escapesGuestText() {
        assertEquals("a\\nb\\x1b[0m\\\\", Escaping.escape("a\nb\u001b[0m\\"));
        String plain = "nothing to escape";
        assertTrue(plain == Escaping.escape(plain));
    }
}
