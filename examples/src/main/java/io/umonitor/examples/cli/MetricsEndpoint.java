package io.umonitor.examples.cli;

import com.sun.net.httpserver.HttpServer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.umonitor.api.ConfigurationException;
import io.umonitor.core.Monitor;
import io.umonitor.micrometer.UmonitorMetrics;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;

/**
 * {@code --metrics ADDRESS}: the monitor's meters ({@link UmonitorMetrics}) in Prometheus' text format at
 * {@code http://ADDRESS/metrics}. A bare port binds loopback; another interface only when named.
 */
final class MetricsEndpoint implements AutoCloseable {
    private final HttpServer server;
    private final UmonitorMetrics metrics;

    private MetricsEndpoint(HttpServer server, UmonitorMetrics metrics) {
        this.server = server;
        this.metrics = metrics;
    }

    /** Null when {@code address} is null (no {@code --metrics}). */
    static MetricsEndpoint start(String address, Monitor monitor) {
        if (address == null) {
            return null;
        }
        InetSocketAddress bind = parse(address);
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        UmonitorMetrics metrics = new UmonitorMetrics(monitor);
        metrics.bindTo(registry);
        HttpServer server;
        try {
            server = HttpServer.create(bind, 0);
        } catch (IOException e) {
            metrics.close();
            throw new ConfigurationException("--metrics " + address + ": cannot listen there (" + e.getMessage()
                    + "): choose a free port, e.g. --metrics 127.0.0.1:9464");
        }
        server.createContext("/metrics", exchange -> {
            byte[] body = registry.scrape().getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "text/plain; version=0.0.4; charset=utf-8");
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        server.start();
        System.err.println("metrics: http://" + hostPort(server.getAddress()) + "/metrics");
        return new MetricsEndpoint(server, metrics);
    }

    static InetSocketAddress parse(String address) {
        String host = "127.0.0.1";
        String port = address.trim();
        int colon = port.lastIndexOf(':');
        if (colon >= 0) {
            host = port.substring(0, colon).replace("[", "").replace("]", "");
            port = port.substring(colon + 1);
        }
        try {
            int p = Integer.parseInt(port);
            if (p < 0 || p > 65535) {
                throw new NumberFormatException();
            }
            return new InetSocketAddress(InetAddress.getByName(host.isEmpty() ? "127.0.0.1" : host), p);
        } catch (NumberFormatException | IOException e) {
            throw new ConfigurationException("--metrics " + address + " is not PORT or HOST:PORT: use e.g."
                    + " --metrics 9464 (loopback) or --metrics 0.0.0.0:9464 (every interface)");
        }
    }

    private static String hostPort(InetSocketAddress a) {
        String host = a.getAddress().getHostAddress();
        return (host.contains(":") ? "[" + host + "]" : host) + ":" + a.getPort();
    }

    int port() {
        return server.getAddress().getPort();
    }

    @Override
    public void close() {
        server.stop(0);
        metrics.close();
    }
}
