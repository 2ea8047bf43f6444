package io.umonitor.core.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A real headless Chromium kept open on one page and driven over the DevTools protocol (a WebSocket
 * from java.net.http), for what a one-shot {@code --dump-dom} cannot show: the page living through a lost
 * connection, or the file its download button saves.
 */
final class HeadlessChromium implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final Process process;
    private final Connection browser;
    private final Connection page;

    private HeadlessChromium(Process process, Connection browser, Connection page) {
        this.process = process;
        this.browser = browser;
        this.page = page;
    }

    /** Starts Chromium on {@code url}, saving downloads to {@code downloads}. */
    static HeadlessChromium open(Path chromium, Path dir, URI url, Path downloads) throws Exception {
        Path profile = Files.createTempDirectory(dir, "profile");
        Process process = new ProcessBuilder(chromium.toString(), "--headless", "--no-sandbox", "--disable-gpu",
                "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--disable-dev-shm-usage", "--window-size=800,900", "--user-data-dir=" + profile,
                "--remote-debugging-address=127.0.0.1", "--remote-debugging-port=0", "about:blank")
                .redirectErrorStream(true).redirectOutput(dir.resolve("chromium.log").toFile()).start();
        try {
            Path portFile = profile.resolve("DevToolsActivePort");
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (!(Files.exists(portFile) && Files.readAllLines(portFile).size() >= 2)) {
                if (System.nanoTime() > deadline || !process.isAlive()) {
                    throw new AssertionError("Chromium did not open its DevTools port within 60 s: "
                            + Files.readString(dir.resolve("chromium.log")));
                }
                Thread.sleep(50);
            }
            List<String> lines = Files.readAllLines(portFile);
            String base = "127.0.0.1:" + lines.get(0).trim();
            Connection browser = Connection.open(URI.create("ws://" + base + lines.get(1).trim()));
            browser.call("Browser.setDownloadBehavior", Map.of("behavior", "allow",
                    "downloadPath", downloads.toAbsolutePath().toString()));
            HttpResponse<String> list = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                    URI.create("http://" + base + "/json/list")).build(), HttpResponse.BodyHandlers.ofString());
            String pageSocket = null;
            for (JsonNode target : JSON.readTree(list.body())) {
                if (target.path("type").asText().equals("page")) {
                    pageSocket = target.path("webSocketDebuggerUrl").asText();
                }
            }
            Connection page = Connection.open(URI.create(pageSocket));
            page.call("Page.enable", Map.of());
            page.call("Page.navigate", Map.of("url", url.toString()));
            return new HeadlessChromium(process, browser, page);
        } catch (Exception | AssertionError e) {
            process.destroyForcibly();
            throw e;
        }
    }

    /** The value of a JavaScript expression in the page (JSON-serialisable values only). */
    JsonNode eval(String expression) throws Exception {
        JsonNode result = page.call("Runtime.evaluate", Map.of("expression", expression, "returnByValue", true,
                "awaitPromise", true));
        if (result.has("exceptionDetails")) {
            throw new AssertionError("page script failed: " + result.path("exceptionDetails"));
        }
        return result.path("result").path("value");
    }

    /** Waits until {@code expression} is true in the page, failing with {@code describe}'s value after {@code seconds}. */
    void await(String what, String expression, int seconds, String describe) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (!holds(expression)) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("the page did not show " + what + " within " + seconds + " s: "
                        + (holds("document.getElementById('status') !== null") ? eval(describe) : "(page not loaded)"));
            }
            Thread.sleep(100);
        }
    }

    /** False also while the page is still loading (its elements not there yet). */
    private boolean holds(String expression) throws Exception {
        try {
            return eval(expression).asBoolean(false);
        } catch (AssertionError e) {
            return false;
        }
    }

    /** Clicks the middle of the element {@code selector} with the mouse, as a user would. */
    void click(String selector) throws Exception {
        JsonNode box = eval("(() => { const r = document.querySelector(" + JSON.writeValueAsString(selector)
                + ").getBoundingClientRect(); return {x: r.x + r.width / 2, y: r.y + r.height / 2}; })()");
        for (String type : List.of("mousePressed", "mouseReleased")) {
            page.call("Input.dispatchMouseEvent", Map.of("type", type, "x", box.path("x").asDouble(),
                    "y", box.path("y").asDouble(), "button", "left", "clickCount", 1));
        }
    }

    /** Types into the focused element as a user would (the page gets input events). */
    void type(String text) throws Exception {
        page.call("Input.insertText", Map.of("text", text));
    }

    /** Saves a screenshot of the page at 800 px as target/web-shots/NAME (and in $UMONITOR_SHOTS when set). */
    void screenshot(String name) throws Exception {
        byte[] png = Base64.getDecoder().decode(page.call("Page.captureScreenshot", Map.of("format", "png"))
                .path("data").asText());
        List<Path> targets = new ArrayList<>(List.of(Path.of("target", "web-shots")));
        if (System.getenv("UMONITOR_SHOTS") != null) {
            targets.add(Path.of(System.getenv("UMONITOR_SHOTS")));
        }
        for (Path t : targets) {
            Files.write(Files.createDirectories(t).resolve(name), png);
        }
    }

    @Override
    public void close() {
        page.close();
        browser.close();
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
    }

    /** One DevTools WebSocket: numbered calls, each answered by a message with the same id; events ignored. */
    private static final class Connection implements WebSocket.Listener {
        private final Map<Integer, CompletableFuture<JsonNode>> pending = new ConcurrentHashMap<>();
        private final AtomicInteger ids = new AtomicInteger();
        private final StringBuilder partial = new StringBuilder();
        private WebSocket socket;

        static Connection open(URI uri) throws Exception {
            Connection c = new Connection();
            c.socket = HttpClient.newHttpClient().newWebSocketBuilder().connectTimeout(Duration.ofSeconds(30))
                    .buildAsync(uri, c).get(30, TimeUnit.SECONDS);
            return c;
        }

        JsonNode call(String method, Map<String, Object> params) throws Exception {
            int id = ids.incrementAndGet();
            CompletableFuture<JsonNode> answer = new CompletableFuture<>();
            pending.put(id, answer);
            ObjectNode message = JSON.createObjectNode().put("id", id).put("method", method);
            message.set("params", JSON.valueToTree(params));
            socket.sendText(JSON.writeValueAsString(message), true).get(30, TimeUnit.SECONDS);
            JsonNode reply = answer.get(60, TimeUnit.SECONDS);
            if (reply.has("error")) {
                throw new AssertionError(method + " failed: " + reply.path("error"));
            }
            return reply.path("result");
        }

        @Override
        public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
            partial.append(data);
            if (last) {
                try {
                    JsonNode message = JSON.readTree(partial.toString());
                    CompletableFuture<JsonNode> answer = message.has("id") ? pending.remove(message.path("id").asInt()) : null;
                    if (answer != null) {
                        answer.complete(message);
                    }
                } catch (IOException e) {
                    pending.values().forEach(f -> f.completeExceptionally(e));
                }
                partial.setLength(0);
            }
            webSocket.request(1);
            return null;
        }

        void close() {
            socket.abort();
        }
    }

    /** Lines of a file Chromium finished downloading into {@code dir} (it writes to a temporary name first). */
    static List<String> awaitDownload(Path file, int seconds) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (!Files.exists(file)) {
            if (System.nanoTime() > deadline) {
                List<String> present = new ArrayList<>();
                try (var s = Files.list(file.getParent())) {
                    s.forEach(p -> present.add(p.getFileName().toString()));
                }
                throw new AssertionError("no download " + file + " within " + seconds + " s; the directory holds " + present);
            }
            Thread.sleep(100);
        }
        return Files.readAllLines(file);
    }
}
