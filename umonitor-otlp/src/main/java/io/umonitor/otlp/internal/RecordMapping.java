package io.umonitor.otlp.internal;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.common.AttributesBuilder;
import io.opentelemetry.api.common.Value;
import io.opentelemetry.api.logs.Severity;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.sdk.common.InstrumentationScopeInfo;
import io.opentelemetry.sdk.logs.data.Body;
import io.opentelemetry.sdk.logs.data.LogRecordData;
import io.opentelemetry.sdk.resources.Resource;
import io.umonitor.api.Attribute;
import io.umonitor.api.AttributeValue;
import io.umonitor.api.LaunchIdentity;
import io.umonitor.api.LogLevel;
import io.umonitor.api.LogRecord;
import java.time.Instant;
import java.util.Base64;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Turns umonitor records into OpenTelemetry log records. The mapping is part of the documented export
 * format (README, "Export to OpenTelemetry"):
 * <ul>
 *   <li>resource: {@code service.name} = unikernel name, {@code host.name} = this host, and for records of
 *       a launched unikernel's run {@code service.instance.id} = launch id (new for every run),
 *       {@code umonitor.restart} = the run's restart number (0 for the first), {@code umonitor.backend} and
 *       {@code umonitor.image.digest} ({@code sha256:...} of the image file) where known;</li>
 *   <li>instrumentation scope: the guest's logger name ({@code umonitor.guest} when it sent none);</li>
 *   <li>severity: TRACE 1, DEBUG 5, INFO 9, WARN 13, ERROR 17, FATAL 21, with the level's name as text;</li>
 *   <li>time: the guest's own wall-clock timestamp when it sent one (else unset), observed time: when
 *       umonitor received the record;</li>
 *   <li>attributes keep their types: strings, booleans, 64-bit integers and doubles as such; an unsigned
 *       value above 2^63-1 (which OTLP's signed integer cannot hold) as its decimal string; bytes as
 *       base64 text; a null value as an empty string; plus {@code umonitor.origin} and, where the sender
 *       numbers its records, {@code umonitor.sequence}.</li>
 * </ul>
 * Not thread-safe: one per sink thread, which is how sinks are called.
 */
public final class RecordMapping {
    static final String DEFAULT_SCOPE = "umonitor.guest";
    private static final AttributeKey<String> SERVICE_NAME = AttributeKey.stringKey("service.name");
    private static final AttributeKey<String> HOST_NAME = AttributeKey.stringKey("host.name");
    private static final AttributeKey<String> ORIGIN = AttributeKey.stringKey("umonitor.origin");

    private final String hostName;
    private static final AttributeKey<String> INSTANCE_ID = AttributeKey.stringKey("service.instance.id");
    private static final AttributeKey<Long> RESTART = AttributeKey.longKey("umonitor.restart");
    private static final AttributeKey<String> BACKEND = AttributeKey.stringKey("umonitor.backend");
    private static final AttributeKey<String> IMAGE_DIGEST = AttributeKey.stringKey("umonitor.image.digest");

    /** Per unikernel, the resource of its latest run only: restarts do not make the map grow. */
    private final Map<String, RunResource> resources = new HashMap<>();
    private final Map<String, InstrumentationScopeInfo> scopes = new HashMap<>();

    public RecordMapping(String hostName) {
        this.hostName = hostName;
    }

    public LogRecordData map(LogRecord record) {
        RunResource cached = resources.get(record.unikernel());
        if (cached == null || !cached.launch.equals(record.launch())) {
            cached = new RunResource(record.launch(), resource(record.unikernel(), record.launch()));
            resources.put(record.unikernel(), cached);
        }
        Resource resource = cached.resource;
        InstrumentationScopeInfo scope = scopes.computeIfAbsent(record.logger(),
                logger -> InstrumentationScopeInfo.create(logger.isEmpty() ? DEFAULT_SCOPE : logger));
        long time = record.guestWallTime().map(RecordMapping::epochNanos).orElse(0L);
        return new GuestLogRecordData(resource, scope, time, epochNanos(record.receivedAt()),
                severity(record.level()), record.level().name(), record.message(), attributes(record));
    }

    private Resource resource(String unikernel, LaunchIdentity launch) {
        AttributesBuilder b = Attributes.builder().put(SERVICE_NAME, unikernel).put(HOST_NAME, hostName);
        if (launch.isKnown()) {
            b.put(INSTANCE_ID, launch.launchId()).put(RESTART, (long) launch.restart());
        }
        if (!launch.backend().isEmpty()) {
            b.put(BACKEND, launch.backend());
        }
        if (!launch.imageDigest().isEmpty()) {
            b.put(IMAGE_DIGEST, launch.imageDigest());
        }
        return Resource.create(b.build());
    }

    private record RunResource(LaunchIdentity launch, Resource resource) {
    }

    static Severity severity(LogLevel level) {
        return switch (level) {
            case TRACE -> Severity.TRACE;
            case DEBUG -> Severity.DEBUG;
            case INFO -> Severity.INFO;
            case WARN -> Severity.WARN;
            case ERROR -> Severity.ERROR;
            case FATAL -> Severity.FATAL;
        };
    }

    private static Attributes attributes(LogRecord record) {
        AttributesBuilder builder = Attributes.builder();
        for (Attribute a : record.attributes()) {
            String key = a.key();
            AttributeValue value = a.value();
            if (value instanceof AttributeValue.Str s) {
                builder.put(AttributeKey.stringKey(key), s.value());
            } else if (value instanceof AttributeValue.Int i) {
                builder.put(AttributeKey.longKey(key), i.value());
            } else if (value instanceof AttributeValue.UInt u) {
                if (u.value() >= 0) {
                    builder.put(AttributeKey.longKey(key), u.value());
                } else {
                    builder.put(AttributeKey.stringKey(key), Long.toUnsignedString(u.value()));
                }
            } else if (value instanceof AttributeValue.Float f) {
                builder.put(AttributeKey.doubleKey(key), f.value());
            } else if (value instanceof AttributeValue.Bool b) {
                builder.put(AttributeKey.booleanKey(key), b.value());
            } else if (value instanceof AttributeValue.Bytes bytes) {
                builder.put(AttributeKey.stringKey(key), Base64.getEncoder().encodeToString(bytes.value()));
            } else {
                builder.put(AttributeKey.stringKey(key), "");
            }
        }
        builder.put(ORIGIN, record.origin().name().toLowerCase(Locale.ROOT));
        if (record.hasSequence()) {
            if (record.sequence() >= 0) {
                builder.put(AttributeKey.longKey("umonitor.sequence"), record.sequence());
            } else {
                builder.put(AttributeKey.stringKey("umonitor.sequence"), Long.toUnsignedString(record.sequence()));
            }
        }
        return builder.build();
    }

    private static long epochNanos(Instant instant) {
        return instant.getEpochSecond() * 1_000_000_000L + instant.getNano();
    }

    /** One record as the exporter reads it; no span context, since guests send none. */
    private record GuestLogRecordData(Resource resource, InstrumentationScopeInfo scope, long timestampNanos,
            long observedNanos, Severity severity, String severityText, String message, Attributes attributes)
            implements LogRecordData {

        @Override
        public Resource getResource() {
            return resource;
        }

        @Override
        public InstrumentationScopeInfo getInstrumentationScopeInfo() {
            return scope;
        }

        @Override
        public long getTimestampEpochNanos() {
            return timestampNanos;
        }

        @Override
        public long getObservedTimestampEpochNanos() {
            return observedNanos;
        }

        @Override
        public SpanContext getSpanContext() {
            return SpanContext.getInvalid();
        }

        @Override
        public Severity getSeverity() {
            return severity;
        }

        @Override
        public String getSeverityText() {
            return severityText;
        }

        @Override
        @SuppressWarnings("deprecation") // the interface still requires it; getBodyValue is what exporters read
        public Body getBody() {
            return Body.string(message);
        }

        @Override
        public Value<?> getBodyValue() {
            return Value.of(message);
        }

        @Override
        public Attributes getAttributes() {
            return attributes;
        }

        @Override
        public int getTotalAttributeCount() {
            return attributes.size();
        }
    }
}
