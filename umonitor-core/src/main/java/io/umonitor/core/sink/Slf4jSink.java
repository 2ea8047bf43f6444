package io.umonitor.core.sink;

import com.google.auto.service.AutoService;
import io.umonitor.api.Attribute;
import io.umonitor.api.LogRecord;
import io.umonitor.api.spi.LogSink;
import io.umonitor.api.spi.ProviderContext;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;
import org.slf4j.event.Level;
import org.slf4j.spi.LoggingEventBuilder;

/**
 * Forwards records into the host application's SLF4J logging: logger {@code umonitor.guest.NAME},
 * the unikernel's name in the MDC under {@value #MDC_KEY} (and the origin under
 * {@code umonitor.origin}), attributes as SLF4J key-value pairs. FATAL maps to ERROR. Guest text is
 * escaped like the file sink's text format, so a guest cannot forge lines in the host's log.
 *
 * <p>Settings: none.
 *
 * @since 0.1
 */
@AutoService(LogSink.class)
public final class Slf4jSink implements LogSink {
    public static final String ID = "slf4j";
    public static final String MDC_KEY = "unikernel";
    public static final String LOGGER_PREFIX = "umonitor.guest.";

    private final Map<String, Logger> loggers = new HashMap<>();

    @Override
    public String id() {
        return ID;
    }

    @Override
    public void open(ProviderContext context) {
        context.rejectUnknownProperties(ID, List.of());
    }

    @Override
    public void accept(LogRecord record) {
        Logger logger = loggers.computeIfAbsent(record.unikernel(), n -> LoggerFactory.getLogger(LOGGER_PREFIX + n));
        Level level = switch (record.level()) {
            case TRACE -> Level.TRACE;
            case DEBUG -> Level.DEBUG;
            case INFO -> Level.INFO;
            case WARN -> Level.WARN;
            case ERROR, FATAL -> Level.ERROR;
        };
        if (!logger.isEnabledForLevel(level)) {
            return;
        }
        MDC.put(MDC_KEY, record.unikernel());
        MDC.put("umonitor.origin", record.origin().name());
        try {
            LoggingEventBuilder event = logger.atLevel(level);
            if (record.hasSequence()) {
                event = event.addKeyValue("sequence", Long.toUnsignedString(record.sequence()));
            }
            for (Attribute a : record.attributes()) {
                event = event.addKeyValue(a.key(), Escaping.escape(a.value().render()));
            }
            String prefix = record.logger().isEmpty() ? "" : "[" + Escaping.escape(record.logger()) + "] ";
            event.log(prefix + Escaping.escape(record.message()));
        } finally {
            MDC.remove(MDC_KEY);
            MDC.remove("umonitor.origin");
        }
    }
}
