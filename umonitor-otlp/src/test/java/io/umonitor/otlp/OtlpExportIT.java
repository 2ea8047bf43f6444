package io.umonitor.otlp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.opentelemetry.proto.common.v1.AnyValue;
import io.umonitor.api.Attribute;
import io.umonitor.api.ExitClassification;
import io.umonitor.api.GuestClock;
import io.umonitor.api.LogFilter;
import io.umonitor.api.LogLevel;
import io.umonitor.api.LogOrigin;
import io.umonitor.api.LogRecord;
import io.umonitor.api.UnikernelHandle;
import io.umonitor.api.UnikernelSpec;
import io.umonitor.core.Monitor;
import io.umonitor.core.backend.process.ProcessBackend;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.BooleanSupplier;
import io.umonitor.testkit.CClientGuests;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real guest (C, linked with the C client, run by the process backend) logs typed records over TCP; the
 * monitor's OTLP sink exports them through the official exporter to a receiver that decodes them with the
 * official OTLP protobuf classes — over HTTP/protobuf and over gRPC — and nothing is lost, duplicated or
 * changed on the way. Then the endpoint goes away mid-stream and comes back: what did not arrive is exactly
 * what the monitor counted dropped.
 */
@Timeout(120)
class OtlpExportIT {
    private static final Duration WAIT = Duration.ofSeconds(40);
    private static final int BATCH_SIZE = 64;
    private static final String GUEST_SOURCE = """
            #include <stdlib.h>
            #include "umonitor_log.h"

            /* guest COUNT: COUNT records with one attribute of every type, levels cycling TRACE..FATAL. */
            int main(int argc, char **argv)
            {
                int count = argc > 1 ? atoi(argv[1]) : 10;
                int i;
                if (umon_init_from_env() != UMON_OK)
                    return 2;
                for (i = 0; i < count; i++) {
                    umon_attr attrs[5];
                    attrs[0] = UMON_A_I64("i", -i);
                    attrs[1] = UMON_A_U64("big", 18446744073709551615ULL);
                    attrs[2] = UMON_A_F64("ratio", i / 4.0);
                    attrs[3] = UMON_A_BOOL("even", i % 2 == 0);
                    attrs[4] = UMON_A_STR("path", "/api/\\xc3\\xa9t\\xc3\\xa9");
                    send_log_attrs((umon_level)(1 + i % 6), attrs, 5, "r\\xc3\\xa9" "cord %d \\xe2\\x9c\\x93", i);
                }
                umon_shutdown("done");
                return 0;
            }
            """;

    private static Path guest;

    @BeforeAll
    static void compileGuest(@TempDir Path dir) throws Exception {
        guest = CClientGuests.compile(dir, "guest", GUEST_SOURCE);
    }

    @Test
    void aGuestsTypedRecordsArriveOnceAndIntactOverHttpProtobuf(@TempDir Path dir) throws Exception {
        try (OtlpReceiver receiver = OtlpReceiver.http(0)) {
            exportsEveryRecordIntact(receiver, "http/protobuf", dir);
        }
    }

    @Test
    void aGuestsTypedRecordsArriveOnceAndIntactOverGrpc(@TempDir Path dir) throws Exception {
        try (OtlpReceiver receiver = OtlpReceiver.grpc()) {
            exportsEveryRecordIntact(receiver, "grpc", dir);
        }
    }

    private void exportsEveryRecordIntact(OtlpReceiver receiver, String protocol, Path dir) throws Exception {
        int count = 600;
        String name = "otlp-" + protocol.replace('/', '-');
        List<LogRecord> tcpRecords;
        try (Monitor monitor = monitor(receiver.endpoint(), protocol, dir)) {
            UnikernelHandle handle = monitor.launch(UnikernelSpec.builder(name, guest)
                    .argument(Integer.toString(count)).build());
            await(() -> handle.exitInfo().isPresent(), "the guest to exit");
            assertEquals(ExitClassification.NORMAL, handle.exitInfo().orElseThrow().classification());
            await(() -> tcpRecords(monitor, name).size() == count, count + " TCP records in the history");
            tcpRecords = tcpRecords(monitor, name);
        } // close flushes the sink

        List<OtlpReceiver.Received> got = receiver.of(name);
        Set<Long> sequences = new TreeSet<>();
        for (OtlpReceiver.Received r : got) {
            assertEquals("otlp-test-host", r.resource().get("host.name").getStringValue());
            AnyValue origin = r.attribute("umonitor.origin");
            if (origin == null || !origin.getStringValue().equals("tcp")) {
                continue;
            }
            long sequence = r.attribute("umonitor.sequence").getIntValue();
            assertTrue(sequences.add(sequence), "sequence " + sequence + " arrived twice");
            LogRecord sent = tcpRecords.get((int) sequence);
            assertEquals(sent.message(), r.record().getBody().getStringValue());
            assertEquals(sent.level().name(), r.record().getSeverityText());
            assertEquals(new int[] {1, 5, 9, 13, 17, 21}[sent.level().ordinal()], r.record().getSeverityNumberValue());
            assertEquals(-sequence, r.attribute("i").getIntValue(), "INT64 stays an integer");
            assertEquals("18446744073709551615", r.attribute("big").getStringValue(),
                    "UINT64 above 2^63-1 becomes its decimal string");
            assertEquals(sequence / 4.0, r.attribute("ratio").getDoubleValue(), "FLOAT64 stays a double");
            assertEquals(sequence % 2 == 0, r.attribute("even").getBoolValue(), "BOOL stays a boolean");
            assertEquals("/api/été", r.attribute("path").getStringValue());
            assertEquals(RecordMappingScope.DEFAULT, r.scope());
            assertEquals(GuestClock.WALL, sent.guestClock(), "the C client sends wall-clock time");
            Instant guestTime = sent.guestWallTime().orElseThrow();
            assertEquals(guestTime.getEpochSecond() * 1_000_000_000L + guestTime.getNano(),
                    r.record().getTimeUnixNano(), "the record's time is the guest's own timestamp");
            assertEquals(sent.receivedAt().getEpochSecond() * 1_000_000_000L + sent.receivedAt().getNano(),
                    r.record().getObservedTimeUnixNano(), "observed time is when umonitor received it");
        }
        assertEquals(count, sequences.size(), "every TCP record arrives exactly once");
        assertTrue(got.stream().anyMatch(r -> r.attribute("umonitor.origin").getStringValue().equals("monitor")
                        && r.record().getBody().getStringValue().contains("exited")),
                "the monitor's own records (launched, exited) are exported too");
    }

    @Test
    void whatTheEndpointDidNotReceiveWhileDownIsExactlyWhatTheMonitorCountsDropped(@TempDir Path dir)
            throws Exception {
        String name = "otlp-outage";
        OtlpReceiver receiver = OtlpReceiver.http(0);
        int port = receiver.port();
        try (Monitor monitor = monitor(receiver.endpoint(), "http/protobuf", dir, "2000")) {
            publish(monitor, name, 0, 100);
            OtlpReceiver first = receiver;
            await(() -> published(first.of(name)) == 100, "the first 100 records at the receiver");

            receiver.close(); // the collector goes away mid-stream: connections are refused
            publish(monitor, name, 100, 200);
            await(() -> monitor.logStats(name).dropped() >= 100, "the monitor to count the outage's records");

            receiver = OtlpReceiver.http(port); // and comes back on the same address
            publish(monitor, name, 200, 300);
            OtlpReceiver second = receiver;
            await(() -> published(second.of(name)) == 100, "export to resume by itself");

            // The monitor never hands a sink the reports of that sink's own failure, nor its dropped-records
            // reports while it fails (they would fail and report themselves again): those are not "handed".
            // Its "stores again" report follows the first successful export, so it may still be on its way.
            OtlpReceiver resumed = receiver;
            long settle = System.nanoTime() + WAIT.toNanos();
            while (handedTo(monitor, name) > first.of(name).size() + resumed.of(name).size()
                    + monitor.logStats(name).dropped() && System.nanoTime() < settle) {
                Thread.sleep(20);
            }
            List<LogRecord> all = monitor.logs(name, LogFilter.ALL).stream()
                    .filter(r -> !(r.origin() == LogOrigin.MONITOR
                            && r.attribute("sink").map(v -> v.render().equals(OtlpLogSink.ID)).orElse(false)
                            && !r.attribute("sink.failures").map(v -> v.render().equals("0")).orElse(true)))
                    .skip(monitor.logCounters().getOrDefault("sink." + OtlpLogSink.ID + ".reportsKeptOut", 0L))
                    .toList();
            long arrived = first.of(name).size() + second.of(name).size();
            long dropped = monitor.logStats(name).dropped();
            String account = all.size() + " handed, " + arrived + " arrived, " + dropped
                    + " dropped; monitor records: " + all.stream().filter(r -> r.origin() == LogOrigin.MONITOR)
                    .map(r -> r.message() + " " + r.attributes()).toList();
            List<OtlpReceiver.Received> received = new java.util.ArrayList<>(first.of(name));
            received.addAll(second.of(name));
            assertEquals(arrived, received.stream().map(r -> r.record().getBody().getStringValue()
                    + r.record().getTimeUnixNano() + r.record().getObservedTimeUnixNano()).distinct().count(),
                    "nothing arrived twice: " + account);
            assertTrue(arrived + dropped >= all.size(),
                    "every record the monitor handed the sink either arrived or is counted dropped: " + account);
            // A request the old receiver read but never answered (it closed first) is counted dropped and
            // may also have arrived: at most the one request in flight when the endpoint went away.
            assertTrue(arrived + dropped <= all.size() + BATCH_SIZE,
                    "at most one batch (" + BATCH_SIZE + ") is both stored and counted dropped: " + account);
        } finally {
            receiver.close();
        }
    }

    private static long handedTo(Monitor monitor, String name) {
        return monitor.logs(name, LogFilter.ALL).stream()
                .filter(r -> !(r.origin() == LogOrigin.MONITOR
                        && r.attribute("sink").map(v -> v.render().equals(OtlpLogSink.ID)).orElse(false)
                        && !r.attribute("sink.failures").map(v -> v.render().equals("0")).orElse(true)))
                .count() - monitor.logCounters().getOrDefault("sink." + OtlpLogSink.ID + ".reportsKeptOut", 0L);
    }

    private static long published(List<OtlpReceiver.Received> received) {
        return received.stream().filter(r -> r.attribute("umonitor.origin").getStringValue().equals("tcp")).count();
    }

    private static void publish(Monitor monitor, String name, int from, int to) {
        for (int i = from; i < to; i++) {
            monitor.publish(new LogRecord(name, LogOrigin.TCP, i, GuestClock.NONE, 0, Instant.now(), LogLevel.INFO,
                    "app", "record " + i, List.of(Attribute.of("i", i))));
        }
    }

    private static List<LogRecord> tcpRecords(Monitor monitor, String name) {
        return monitor.logs(name, LogFilter.ALL).stream().filter(r -> r.origin() == LogOrigin.TCP).toList();
    }

    private static Monitor monitor(String endpoint, String protocol, Path dir) {
        return monitor(endpoint, protocol, dir, "10000");
    }

    private static Monitor monitor(String endpoint, String protocol, Path dir, String timeoutMillis) {
        return Monitor.builder().discoverProviders(false).backend(new ProcessBackend()).sink(new OtlpLogSink())
                .property("otlp.endpoint", endpoint).property("otlp.protocol", protocol)
                .property("otlp.hostName", "otlp-test-host").property("otlp.batchSize", String.valueOf(BATCH_SIZE))
                .property("otlp.timeout", timeoutMillis)
                .stateDirectory(dir.resolve("state")).workDirectory(dir.resolve("work")).build();
    }

    private static void await(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out after " + WAIT.toSeconds() + " s waiting for " + what);
            }
            Thread.sleep(20);
        }
    }


    /** The scope name records without a logger get. */
    private static final class RecordMappingScope {
        static final String DEFAULT = "umonitor.guest";
    }
}
