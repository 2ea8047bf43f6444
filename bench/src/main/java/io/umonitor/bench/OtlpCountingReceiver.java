package io.umonitor.bench;

import com.sun.net.httpserver.HttpServer;
import io.opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest;
import io.opentelemetry.proto.collector.logs.v1.ExportLogsServiceResponse;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.logs.v1.ResourceLogs;
import io.opentelemetry.proto.logs.v1.ScopeLogs;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Executors;

/**
 * The OTLP endpoint of bench/run.sh's {@code otlp} row: an OTLP/HTTP receiver (the JDK's HTTP server,
 * requests decoded with the official OTLP protobuf classes, as an OpenTelemetry Collector would) that keeps
 * nothing but a count: for every log record it appends one line to {@code DIR/<service.name>.log}, so that
 * the load generator's watcher, which counts lines in files, sees when the last record has arrived. The
 * monitor's own records (scope {@code umonitor}) are left out, as the watcher leaves them out of the file
 * sink's files. (The test-jar's {@code OtlpReceiver} keeps every record in memory, which a run of a
 * million records would not fit.)
 *
 * <p>Usage: {@code OtlpCountingReceiver PORT DIR}; prints {@code ready} once listening, runs until killed.
 */
public final class OtlpCountingReceiver {
    private static final String MONITOR_SCOPE = "umonitor";

    private final Path dir;
    private final Map<String, OutputStream> files = new HashMap<>();

    private OtlpCountingReceiver(Path dir) {
        this.dir = dir;
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 2) {
            System.err.println("usage: OtlpCountingReceiver PORT DIR");
            System.exit(2);
        }
        OtlpCountingReceiver receiver = new OtlpCountingReceiver(Path.of(args[1]));
        HttpServer http = HttpServer.create(new InetSocketAddress("127.0.0.1", Integer.parseInt(args[0])), 64);
        byte[] answer = ExportLogsServiceResponse.getDefaultInstance().toByteArray();
        http.createContext("/v1/logs", exchange -> {
            try (InputStream in = exchange.getRequestBody()) {
                receiver.count(ExportLogsServiceRequest.parseFrom(in.readAllBytes()));
                exchange.getResponseHeaders().add("Content-Type", "application/x-protobuf");
                exchange.sendResponseHeaders(200, answer.length == 0 ? -1 : answer.length);
                if (answer.length > 0) {
                    exchange.getResponseBody().write(answer);
                }
            } catch (IOException | RuntimeException e) {
                e.printStackTrace();
                exchange.sendResponseHeaders(400, -1);
            } finally {
                exchange.close();
            }
        });
        // As many request threads as the sink has requests in flight by default.
        http.setExecutor(Executors.newFixedThreadPool(4));
        http.start();
        System.out.println("ready");
        System.out.flush();
        Thread.currentThread().join();
    }

    private void count(ExportLogsServiceRequest request) throws IOException {
        for (ResourceLogs resourceLogs : request.getResourceLogsList()) {
            String service = "unknown";
            for (KeyValue kv : resourceLogs.getResource().getAttributesList()) {
                if (kv.getKey().equals("service.name")) {
                    service = kv.getValue().getStringValue();
                }
            }
            int records = 0;
            for (ScopeLogs scopeLogs : resourceLogs.getScopeLogsList()) {
                if (!scopeLogs.getScope().getName().equals(MONITOR_SCOPE)) {
                    records += scopeLogs.getLogRecordsCount();
                }
            }
            if (records > 0) {
                byte[] lines = new byte[records];
                Arrays.fill(lines, (byte) '\n');
                synchronized (this) {
                    OutputStream out = files.get(service);
                    if (out == null) {
                        out = new FileOutputStream(dir.resolve(service + ".log").toFile(), true);
                        files.put(service, out);
                    }
                    out.write(lines);
                }
            }
        }
    }
}
