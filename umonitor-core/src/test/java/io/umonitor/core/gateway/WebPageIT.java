package io.umonitor.core.gateway;

import static io.umonitor.core.gateway.GatewayGuests.guest;
import static io.umonitor.core.gateway.GatewayGuests.waitFor;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.umonitor.api.LogFilter;
import io.umonitor.core.Monitor;
import java.io.File;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The read-only web page in a real headless Chromium: it lists the unikernel with its state and shows
 * the records a real guest sent, with guest text as text (never markup).
 */
@Timeout(120)
class WebPageIT {
    /** Page time Chromium grants before dumping; the page polls the list every second. */
    private static final int VIRTUAL_TIME_MS = 8000;

    static Path chromium() {
        for (String name : List.of("chromium", "chromium-browser")) {
            for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
                Path candidate = Path.of(dir, name);
                if (Files.isExecutable(candidate)) {
                    return candidate;
                }
            }
        }
        return null;
    }

    @Test
    void thePageShowsLiveRecordsOfARealGuestInHeadlessChromium(@TempDir Path dir) throws Exception {
        Path chromium = chromium();
        assumeTrue(chromium != null, "needs Chromium to render the page: apt-get install chromium (CI installs it "
                + "from .ci/packages.txt)");
        try (Monitor monitor = GatewayGuests.monitor()) {
            monitor.launch(guest("web-guest", "query").build());
            Invocations guest = monitor.invocations("web-guest");
            guest.awaitReady(Duration.ofSeconds(20));
            guest.invoke("log", "{\"out\":2,\"err\":1,\"text\":\"hello from the guest <b id=injected>bold</b>\"}",
                    Duration.ofSeconds(10)).get(10, TimeUnit.SECONDS);
            waitFor("the guest's lines in its history", Duration.ofSeconds(10), () -> monitor.logs("web-guest",
                    LogFilter.ALL).stream().anyMatch(r -> r.message().endsWith("err 0")));
            URI page = monitor.gateway().orElseThrow().webPage().orElseThrow();

            HttpClient http = HttpClient.newHttpClient();
            HttpResponse<String> noToken = http.send(HttpRequest.newBuilder(URI.create(
                    page.toString().replaceAll("\\?token=.*", "api/unikernels"))).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(401, noToken.statusCode(), "the unikernel list needs the viewer token");

            // Chromium renders while the guest logs one more line once the page is connected: that one can
            // only arrive live, after the history was replayed.
            InvocationGateway gateway = monitor.gateway().orElseThrow();
            long start = System.nanoTime();
            Process browser = startChromium(chromium, dir, page, "--dump-dom");
            waitFor("the page to subscribe to the log stream", Duration.ofSeconds(30), () -> gateway.viewers() > 0);
            guest.invoke("log", "{\"out\":1,\"err\":0,\"text\":\"live line\"}", Duration.ofSeconds(10)).get(10, TimeUnit.SECONDS);
            String dom = finish(browser, dir);
            System.out.println("chromium rendered in " + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start) + " ms");
            assertTrue(dom.contains("live line out 0"), "the page shows a record sent after it connected:\n" + dom);
            assertTrue(dom.contains("web-guest"), "the page names the unikernel:\n" + dom);
            assertTrue(dom.contains("RUNNING"), "the page shows its state:\n" + dom);
            // The guest is a JVM: its resident memory is many MiB, read from the host like `umonitor stats`.
            java.util.regex.Matcher mem = java.util.regex.Pattern.compile("class=\"mem\">([0-9.]+) MiB<").matcher(dom);
            assertTrue(mem.find() && Double.parseDouble(mem.group(1)) > 10, "the page shows the guest's memory:\n" + dom);
            java.util.regex.Matcher cpu = java.util.regex.Pattern.compile("class=\"cpu\">([0-9.]+)<").matcher(dom);
            assertTrue(cpu.find(), "the page shows the guest's CPU %:\n" + dom);
            System.out.println("page figures: memory " + mem.group(1) + " MiB, CPU " + cpu.group(1) + " %");
            assertTrue(dom.contains("hello from the guest &lt;b id=injected&gt;bold&lt;/b&gt; out 1"),
                    "the page shows the guest's stdout records as text:\n" + dom);
            assertTrue(dom.contains("hello from the guest &lt;b id=injected&gt;bold&lt;/b&gt; err 0")
                    && dom.contains("level-WARN"), "the guest's stderr record, coloured as WARN:\n" + dom);
            assertFalse(dom.contains("<b id=\"injected\">"), "guest text must never become markup:\n" + dom);

            // The filter box (prefilled from the address) hides the rows that do not match.
            String filtered = render(chromium, dir, URI.create(page + "&filter=err%200&level=TRACE"), "--dump-dom");
            assertTrue(rowOf(filtered, "bold&lt;/b&gt; err 0").contains("class=\"rec level-WARN\"")
                    && !rowOf(filtered, "bold&lt;/b&gt; err 0").contains("hidden"), "the matching row shows:\n" + filtered);
            assertTrue(rowOf(filtered, "bold&lt;/b&gt; out 1").contains("hidden"), "other rows are hidden:\n" + filtered);

            Path screenshot = dir.resolve("page.png");
            render(chromium, dir, page, "--screenshot=" + screenshot, "--window-size=1280,900");
            assertTrue(Files.size(screenshot) > 1000, "a screenshot was written");
            Path kept = Path.of("target", "web-page.png");
            Files.copy(screenshot, kept, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            System.out.println("web page screenshot: " + kept.toAbsolutePath());
        }
    }

    /** The record row (the div) whose text contains {@code text}. */
    private static String rowOf(String dom, String text) {
        int at = dom.indexOf(text);
        assertTrue(at >= 0, "no row with '" + text + "' in:\n" + dom);
        int start = dom.lastIndexOf("<div", at);
        return dom.substring(start, dom.indexOf("</div>", at));
    }

    private static String render(Path chromium, Path dir, URI page, String... what) throws Exception {
        return finish(startChromium(chromium, dir, page, what), dir);
    }

    private static Process startChromium(Path chromium, Path dir, URI page, String... what) throws Exception {
        Path profile = Files.createTempDirectory(dir, "profile");
        List<String> command = new ArrayList<>(List.of(chromium.toString(), "--headless", "--no-sandbox", "--disable-gpu",
                "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--disable-dev-shm-usage", "--user-data-dir=" + profile, "--virtual-time-budget=" + VIRTUAL_TIME_MS));
        command.addAll(List.of(what));
        command.add(page.toString());
        Path out = dir.resolve("chromium-out.txt");
        Path err = dir.resolve("chromium-err.txt");
        return new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
    }

    private static String finish(Process process, Path dir) throws Exception {
        Path out = dir.resolve("chromium-out.txt");
        Path err = dir.resolve("chromium-err.txt");
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError("chromium did not finish within 60 s: " + Files.readString(err));
        }
        assertEquals(0, process.exitValue(), "chromium failed: " + Files.readString(err));
        return Files.readString(out, StandardCharsets.UTF_8);
    }
}
