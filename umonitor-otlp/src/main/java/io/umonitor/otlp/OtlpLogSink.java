package io.umonitor.otlp;

import com.google.auto.service.AutoService;
import io.opentelemetry.common.ComponentLoader;
import io.opentelemetry.exporter.otlp.http.logs.OtlpHttpLogRecordExporter;
import io.opentelemetry.exporter.otlp.http.logs.OtlpHttpLogRecordExporterBuilder;
import io.opentelemetry.exporter.otlp.logs.OtlpGrpcLogRecordExporter;
import io.opentelemetry.exporter.otlp.logs.OtlpGrpcLogRecordExporterBuilder;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.common.export.HttpSenderProvider;
import io.opentelemetry.sdk.common.export.RetryPolicy;
import io.opentelemetry.sdk.logs.data.LogRecordData;
import io.opentelemetry.sdk.logs.export.LogRecordExporter;
import io.umonitor.api.ConfigurationException;
import io.umonitor.api.LogRecord;
import io.umonitor.api.spi.LogSink;
import io.umonitor.api.spi.ProviderContext;
import io.umonitor.core.sink.RecordsLostException;
import io.umonitor.otlp.internal.OtlpSettings;
import io.umonitor.otlp.internal.RecordMapping;
import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Exports every record as an OpenTelemetry log record over OTLP, through the official opentelemetry-java
 * exporter (HTTP/protobuf with the JDK's HttpClient; gRPC where a gRPC sender is on the classpath).
 *
 * <p>Off unless {@code otlp.endpoint} is set: discovered on every monitor, it does nothing until then, so
 * the embedded default sends nothing over the network. Settings ({@code otlp.KEY}): {@code endpoint}
 * (e.g. {@code http://collector:4318}; for http/protobuf a bare address gets {@code /v1/logs}),
 * {@code protocol} ({@code http/protobuf}, default, or {@code grpc}), {@code headers}
 * ({@code name=value,...}), {@code timeout} (ms per request, default 10000), {@code batchSize} (records
 * per request, default 512), {@code maxInFlight} (requests under way at once, default 1: more may overtake
 * each other, and the endpoint then stores a unikernel's records out of order),
 * {@code hostName} (the {@code host.name} resource attribute, default this host's name).
 *
 * <p>Delivery: at most once, every loss counted. A request the endpoint refuses or does not answer (it is
 * not retried, since a lost answer may hide a stored request) has its records counted lost against their unikernels, like any other sink
 * failure; while the endpoint is down the sink's thread waits on requests, its queue fills and the monitor
 * counts what overflows; when the endpoint returns, export resumes by itself. Where at-least-once matters,
 * let an OpenTelemetry Collector's {@code filelog} receiver tail the file sink's JSON Lines files instead
 * (README, "Export to OpenTelemetry").
 *
 * @since 0.2
 */
@AutoService(LogSink.class)
public final class OtlpLogSink implements LogSink {
    public static final String ID = "otlp";
    private static final Logger LOG = LoggerFactory.getLogger(OtlpLogSink.class);

    private OtlpSettings settings;
    private LogRecordExporter exporter;
    private RecordMapping mapping;
    private String target;
    private long answerWaitNanos;

    private List<LogRecordData> batch = new ArrayList<>();
    private Map<String, Long> batchCounts = new LinkedHashMap<>();
    private final ArrayDeque<InFlight> inFlight = new ArrayDeque<>();
    private final Map<String, Long> lostNotYetReported = new LinkedHashMap<>();
    private String lastFailure;
    private long exported;

    private record InFlight(CompletableResultCode result, Map<String, Long> counts) {
    }

    @Override
    public String id() {
        return ID;
    }

    @Override
    public void open(ProviderContext context) {
        settings = OtlpSettings.from(context, ID, localHostName());
        if (settings.endpoint().isEmpty()) {
            return;
        }
        exporter = createExporter(settings);
        mapping = new RecordMapping(settings.hostName());
        target = settings.exporterEndpoint() + " (" + settings.protocol() + ")";
        // Each request is bounded by the timeout; past that (and a margin), it is counted lost rather than
        // waited on forever.
        answerWaitNanos = settings.timeout().plusSeconds(5).toNanos();
        LOG.info("exporting unikernel logs over OTLP to {}", target);
    }

    /** True once {@code otlp.endpoint} is set and the sink is open. */
    public boolean exporting() {
        return exporter != null;
    }

    /** Without {@code otlp.endpoint} the monitor gives this sink no thread and no queue. */
    @Override
    public boolean isEnabled() {
        return exporting();
    }

    /** Records the endpoint acknowledged so far. */
    public long exportedRecords() {
        return exported;
    }

    @Override
    public void accept(LogRecord record) {
        if (exporter == null) {
            return;
        }
        batch.add(mapping.map(record));
        batchCounts.merge(record.unikernel(), 1L, Long::sum);
        if (batch.size() >= settings.batchSize()) {
            send();
        }
        while (!inFlight.isEmpty() && inFlight.peekFirst().result().isDone()) {
            settle(inFlight.pollFirst());
        }
        reportLosses();
    }

    @Override
    public void flush() {
        if (exporter == null) {
            return;
        }
        send();
        while (!inFlight.isEmpty()) {
            awaitOldest();
        }
        reportLosses();
    }

    @Override
    public void close() {
        if (exporter == null) {
            return;
        }
        try {
            flush();
        } catch (RecordsLostException e) {
            LOG.warn("OTLP export to {}: records lost at close {}: {}", target, e.lostByUnikernel(), e.getMessage());
        } finally {
            exporter.shutdown().join(settings.timeout().toMillis(), TimeUnit.MILLISECONDS);
            exporter = null;
        }
    }

    private void send() {
        if (batch.isEmpty()) {
            return;
        }
        while (inFlight.size() >= settings.maxInFlight()) {
            awaitOldest();
        }
        List<LogRecordData> sending = batch;
        Map<String, Long> counts = batchCounts;
        batch = new ArrayList<>(Math.min(settings.batchSize(), 1024));
        batchCounts = new LinkedHashMap<>();
        CompletableResultCode result;
        try {
            result = exporter.export(sending);
        } catch (RuntimeException e) {
            result = CompletableResultCode.ofExceptionalFailure(e);
        }
        inFlight.addLast(new InFlight(result, counts));
    }

    private void awaitOldest() {
        InFlight oldest = inFlight.pollFirst();
        oldest.result().join(answerWaitNanos, TimeUnit.NANOSECONDS);
        settle(oldest);
    }

    private void settle(InFlight request) {
        CompletableResultCode result = request.result();
        if (result.isDone() && result.isSuccess()) {
            request.counts().values().forEach(n -> exported += n);
            return;
        }
        if (!result.isDone()) {
            lastFailure = "no answer within " + Duration.ofNanos(answerWaitNanos).toSeconds() + " s";
        } else {
            Throwable cause = result.getFailureThrowable();
            lastFailure = cause == null ? "the endpoint refused the request" : String.valueOf(cause.getMessage());
        }
        request.counts().forEach((name, n) -> lostNotYetReported.merge(name, n, Long::sum));
    }

    private void reportLosses() {
        if (lostNotYetReported.isEmpty()) {
            return;
        }
        Map<String, Long> lost = new LinkedHashMap<>(lostNotYetReported);
        lostNotYetReported.clear();
        long total = lost.values().stream().mapToLong(Long::longValue).sum();
        throw new RecordsLostException(lost, "OTLP export to " + target + " failed (" + lastFailure + "): "
                + total + " record(s) not delivered", null);
    }

    private static LogRecordExporter createExporter(OtlpSettings settings) {
        // No retries: a request whose answer was lost may have been stored, and sending it again would store
        // it twice. Delivery is at most once, and what fails is counted lost (see the class comment).
        RetryPolicy retry = null;
        try {
            if (settings.protocol().equals(OtlpSettings.GRPC)) {
                OtlpGrpcLogRecordExporterBuilder builder = OtlpGrpcLogRecordExporter.builder()
                        .setEndpoint(settings.exporterEndpoint()).setTimeout(settings.timeout()).setRetryPolicy(retry);
                settings.headers().forEach(builder::addHeader);
                return builder.build();
            }
            OtlpHttpLogRecordExporterBuilder builder = OtlpHttpLogRecordExporter.builder()
                    .setEndpoint(settings.exporterEndpoint()).setTimeout(settings.timeout()).setRetryPolicy(retry)
                    .setComponentLoader(JDK_HTTP_SENDER_FIRST);
            settings.headers().forEach(builder::addHeader);
            return builder.build();
        } catch (IllegalStateException e) {
            if (settings.protocol().equals(OtlpSettings.GRPC)) {
                throw new ConfigurationException("otlp.protocol=grpc needs a gRPC sender on the classpath ("
                        + e.getMessage() + "): add io.opentelemetry:opentelemetry-exporter-sender-okhttp, or use"
                        + " otlp.protocol=http/protobuf, which the JDK's HttpClient sends");
            }
            throw new ConfigurationException("cannot create the OTLP exporter for " + settings.exporterEndpoint()
                    + ": " + e.getMessage());
        }
    }

    /**
     * A platform that adds the OkHttp sender for gRPC would otherwise get it for HTTP too (the exporter takes
     * whichever provider it finds first); HTTP export stays on the JDK's HttpClient wherever that sender is
     * present, so its behaviour does not depend on what else is on the classpath.
     */
    private static final ComponentLoader JDK_HTTP_SENDER_FIRST = new ComponentLoader() {
        private final ComponentLoader plain = ComponentLoader.forClassLoader(OtlpLogSink.class.getClassLoader());

        @Override
        public <T> Iterable<T> load(Class<T> spi) {
            List<T> found = ComponentLoader.loadList(plain, spi);
            if (!spi.equals(HttpSenderProvider.class)) {
                return found;
            }
            List<T> jdk = found.stream().filter(p -> p.getClass().getName().contains(".sender.jdk.")).toList();
            return jdk.isEmpty() ? found : jdk;
        }
    };

    private static String localHostName() {
        String fromEnv = System.getenv("HOSTNAME");
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (java.io.IOException | SecurityException e) {
            return fromEnv != null && !fromEnv.isBlank() ? fromEnv : "localhost";
        }
    }
}
