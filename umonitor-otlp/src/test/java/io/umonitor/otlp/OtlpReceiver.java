package io.umonitor.otlp;

import com.sun.net.httpserver.HttpServer;
import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import io.opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest;
import io.opentelemetry.proto.collector.logs.v1.ExportLogsServiceResponse;
import io.opentelemetry.proto.collector.logs.v1.LogsServiceGrpc;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.logs.v1.LogRecord;
import io.opentelemetry.proto.logs.v1.ResourceLogs;
import io.opentelemetry.proto.logs.v1.ScopeLogs;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A stand-in for an OpenTelemetry Collector's OTLP receiver, because no Collector binary can be installed
 * here: real HTTP (the JDK's server) and real gRPC (grpc-java) endpoints that decode each request with the
 * official OTLP protobuf classes and keep what arrived.
 */
public final class OtlpReceiver implements AutoCloseable {

    /** One received log record with the resource and scope it came under. */
    public record Received(Map<String, AnyValue> resource, String scope, LogRecord record) {
        public String service() {
            return resource.get("service.name").getStringValue();
        }

        public AnyValue attribute(String key) {
            for (KeyValue kv : record.getAttributesList()) {
                if (kv.getKey().equals(key)) {
                    return kv.getValue();
                }
            }
            return null;
        }
    }

    public final List<Received> received = new CopyOnWriteArrayList<>();
    private HttpServer http;
    private Server grpc;

    public static OtlpReceiver http(int port) throws IOException {
        OtlpReceiver receiver = new OtlpReceiver();
        receiver.http = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 0);
        receiver.http.createContext("/v1/logs", exchange -> {
            try (InputStream in = exchange.getRequestBody()) {
                receiver.keep(ExportLogsServiceRequest.parseFrom(in.readAllBytes()));
            } catch (IOException | RuntimeException | Error e) {
                e.printStackTrace();
                throw e;
            }
            byte[] response = ExportLogsServiceResponse.getDefaultInstance().toByteArray();
            exchange.getResponseHeaders().add("Content-Type", "application/x-protobuf");
            exchange.sendResponseHeaders(200, response.length == 0 ? -1 : response.length);
            if (response.length > 0) {
                exchange.getResponseBody().write(response);
            }
            exchange.close();
        });
        receiver.http.start();
        return receiver;
    }

    public static OtlpReceiver grpc() throws IOException {
        OtlpReceiver receiver = new OtlpReceiver();
        receiver.grpc = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
                .addService(new LogsServiceGrpc.LogsServiceImplBase() {
                    @Override
                    public void export(ExportLogsServiceRequest request,
                            StreamObserver<ExportLogsServiceResponse> responses) {
                        receiver.keep(request);
                        responses.onNext(ExportLogsServiceResponse.getDefaultInstance());
                        responses.onCompleted();
                    }
                }).build().start();
        return receiver;
    }

    public int port() {
        return http != null ? http.getAddress().getPort() : grpc.getPort();
    }

    public String endpoint() {
        return "http://127.0.0.1:" + port();
    }

    public List<Received> of(String service) {
        List<Received> out = new ArrayList<>();
        for (Received r : received) {
            if (r.service().equals(service)) {
                out.add(r);
            }
        }
        return out;
    }

    private void keep(ExportLogsServiceRequest request) {
        for (ResourceLogs resourceLogs : request.getResourceLogsList()) {
            Map<String, AnyValue> resource = new LinkedHashMap<>();
            for (KeyValue kv : resourceLogs.getResource().getAttributesList()) {
                resource.put(kv.getKey(), kv.getValue());
            }
            for (ScopeLogs scopeLogs : resourceLogs.getScopeLogsList()) {
                for (LogRecord record : scopeLogs.getLogRecordsList()) {
                    received.add(new Received(resource, scopeLogs.getScope().getName(), record));
                }
            }
        }
    }

    @Override
    public void close() {
        if (http != null) {
            http.stop(0);
        }
        if (grpc != null) {
            grpc.shutdownNow();
        }
    }
}
