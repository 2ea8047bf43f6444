package io.umonitor.core.internal.gateway;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.umonitor.api.ConfigurationException;
import io.umonitor.api.UnikernelHandle;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * The read-only web page: static HTML, CSS and script, plus {@code /api/unikernels} (the viewer token
 * required) for the list with states and, for running ones, CPU % and resident memory. Logs come from the gateway's {@code /logs} stream. Guest text is
 * only ever inserted with {@code textContent} by the script, and the content security policy forbids
 * inline script, so a record cannot run code in the viewer's browser.
 */
final class WebPage {
    private final DefaultInvocationGateway gateway;
    private final HttpServer server;
    private final ExecutorService executor;
    private final ObjectMapper json = new ObjectMapper();

    private WebPage(DefaultInvocationGateway gateway, HttpServer server, ExecutorService executor) {
        this.gateway = gateway;
        this.server = server;
        this.executor = executor;
    }

    static WebPage start(DefaultInvocationGateway gateway, InetSocketAddress address) {
        HttpServer server;
        try {
            server = HttpServer.create(address, 16);
        } catch (IOException e) {
            throw new ConfigurationException("the gateway's web page cannot listen on " + address + ": " + e.getMessage()
                    + ": choose another webPageAddress, or null for no page", e);
        }
        ExecutorService executor = Executors.newFixedThreadPool(2, r -> {
            Thread t = new Thread(r, "umonitor-web-page");
            t.setDaemon(true);
            return t;
        });
        WebPage page = new WebPage(gateway, server, executor);
        server.setExecutor(executor);
        server.createContext("/", page::handle);
        server.start();
        return page;
    }

    URI baseUri() {
        InetSocketAddress a = server.getAddress();
        String host = a.getAddress().isAnyLocalAddress() ? "127.0.0.1" : a.getAddress().getHostAddress();
        if (host.contains(":")) {
            host = "[" + host + "]";
        }
        return URI.create("http://" + host + ":" + a.getPort() + "/");
    }

    void stop() {
        server.stop(0);
        executor.shutdownNow();
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            if (!exchange.getRequestMethod().equals("GET")) {
                send(exchange, 405, "text/plain", "read-only: GET only".getBytes(StandardCharsets.UTF_8));
                return;
            }
            String path = exchange.getRequestURI().getPath();
            switch (path) {
                case "/", "/index.html" -> send(exchange, 200, "text/html; charset=utf-8", resource("index.html"));
                case "/page.js" -> send(exchange, 200, "text/javascript; charset=utf-8", resource("page.js"));
                case "/page.css" -> send(exchange, 200, "text/css; charset=utf-8", resource("page.css"));
                case "/api/gateway" -> api(exchange, this::gatewayInfo);
                case "/api/unikernels" -> api(exchange, this::unikernels);
                default -> send(exchange, 404, "text/plain", "not found".getBytes(StandardCharsets.UTF_8));
            }
        }
    }

    private void api(HttpExchange exchange, java.util.function.Supplier<Object> body) throws IOException {
        String token = "";
        String query = exchange.getRequestURI().getRawQuery();
        if (query != null) {
            for (String pair : query.split("&")) {
                if (pair.startsWith("token=")) {
                    token = java.net.URLDecoder.decode(pair.substring(6), StandardCharsets.UTF_8);
                }
            }
        }
        if (!DefaultInvocationGateway.sameToken(token, gateway.viewerToken())) {
            send(exchange, 401, "text/plain", "wrong or missing viewer token: open the page address the monitor printed"
                    .getBytes(StandardCharsets.UTF_8));
            return;
        }
        send(exchange, 200, "application/json", json.writeValueAsBytes(body.get()));
    }

    private Object gatewayInfo() {
        ObjectNode info = json.createObjectNode();
        info.put("wsPort", gateway.address().getPort());
        return info;
    }

    private Object unikernels() {
        ArrayNode list = json.createArrayNode();
        for (UnikernelHandle h : gateway.unikernelHandles()) {
            ObjectNode u = list.addObject();
            u.put("name", h.name());
            u.put("state", h.state().name());
            u.put("backend", h.backendId());
            u.put("restarts", h.restarts());
            u.put("connected", gateway.invocations(h.name()).isConnected());
            h.exitInfo().ifPresent(e -> u.put("exit", e.classification() + " " + e.exitCode()));
            if (!h.state().isTerminal()) {
                // As umonitor ps: CPU time of the process tree over the run's lifetime, resident memory now.
                gateway.stats(h.name()).ifPresent(st -> {
                    double up = st.uptime().toNanos();
                    double cpu = st.cpuUser().toNanos() + st.cpuSystem().toNanos();
                    u.put("cpuPercent", up > 0 ? Math.round(cpu / up * 1000) / 10.0 : 0.0);
                    u.put("rssBytes", st.rssBytes());
                    u.put("uptimeMs", st.uptime().toMillis());
                });
            }
        }
        return list;
    }

    private static byte[] resource(String name) {
        try (InputStream in = WebPage.class.getResourceAsStream("web/" + name)) {
            if (in == null) {
                throw new IllegalStateException("web page resource " + name + " is missing from the umonitor-core jar");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void send(HttpExchange exchange, int status, String type, byte[] body) throws IOException {
        exchange.getResponseHeaders().set("Content-Type", type);
        exchange.getResponseHeaders().set("Cache-Control", "no-store");
        exchange.getResponseHeaders().set("X-Content-Type-Options", "nosniff");
        exchange.getResponseHeaders().set("Referrer-Policy", "no-referrer");
        exchange.getResponseHeaders().set("Content-Security-Policy",
                "default-src 'self'; connect-src 'self' ws://127.0.0.1:* ws://localhost:* ws://[::1]:*; "
                        + "script-src 'self'; style-src 'self'; img-src 'none'; frame-ancestors 'none'");
        exchange.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
        if (body.length > 0) {
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        }
    }
}
