package io.umonitor.core.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.umonitor.api.LogFilter;
import io.umonitor.api.LogRecord;
import io.umonitor.api.UnikernelHandle;
import io.umonitor.api.UnikernelSpec;
import io.umonitor.core.Monitor;
import io.umonitor.core.backend.process.ProcessBackend;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The live page in a real headless Chromium through a lost connection and its download button. The page's
 * WebSocket runs through a relay the test cuts while the guest keeps logging: the page must say it is
 * reconnecting, keep trying, come back live and then show every record exactly once (those logged during the
 * outage come from the replayed history, those it already had are not repeated). Download saves exactly the
 * records shown. Screenshots go to target/web-shots
 * (and to $UMONITOR_SHOTS when set).
 */
@Timeout(240)
class WebPageReconnectIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String STATE = "document.getElementById('status').className + ': ' "
            + "+ document.getElementById('status').textContent + ' / ' + document.getElementById('count').textContent";
    private static final String TICKS = "Array.from(document.querySelectorAll('#records .rec'))"
            + ".map(r => r.record.message).filter(m => /^tick \\d+$/.test(m))";

    private static List<String> ticks(Monitor monitor) {
        return monitor.logs("ticker", LogFilter.ALL).stream().map(LogRecord::message).filter(m -> m.matches("tick \\d+"))
                .toList();
    }

    private static List<String> strings(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asText()));
        return out;
    }

    @Test
    void afterALostConnectionThePageResumesWithEveryRecordOnceAndDownloadsWhatItShows(@TempDir Path dir) throws Exception {
        Path chromium = WebPageIT.chromium();
        assumeTrue(chromium != null, "needs Chromium to drive the page: apt-get install chromium (CI installs it "
                + "from .ci/packages.txt)");
        Path downloads = Files.createDirectories(dir.resolve("downloads"));
        // The gateway listens on 127.0.0.2:P and tells the page wsPort P; the page dials 127.0.0.1:P, the relay.
        try (CuttableProxy relay = CuttableProxy.start(InetAddress.getByName("127.0.0.2"));
             Monitor monitor = Monitor.builder().discoverProviders(false).backend(new ProcessBackend())
                     .workDirectory(dir.resolve("work")).stateDirectory(dir.resolve("state")).closeOnJvmExit(false)
                     .invocationGateway(GatewayOptions.defaults().withAddress(
                             new InetSocketAddress(InetAddress.getByName("127.0.0.2"), relay.port()))).build()) {
            UnikernelHandle ticker = monitor.launch(UnikernelSpec.builder("ticker", Path.of("/bin/sh")).argument("-c")
                    .argument("i=0; while [ $i -lt 100000 ]; do i=$((i+1)); echo \"tick $i\"; sleep 0.05; done").build());
            URI page = monitor.gateway().orElseThrow().webPage().orElseThrow();
            try (HeadlessChromium browser = HeadlessChromium.open(chromium, dir, page, downloads)) {
                browser.await("live records", "document.getElementById('status').className === 'status-live' && "
                        + TICKS + ".length >= 20", 90, STATE);

                relay.cut();
                browser.await("the reconnecting state", "document.getElementById('status').className === "
                        + "'status-reconnecting'", 30, STATE);
                browser.screenshot("page-reconnecting.png");
                // Still cut: a failed attempt is followed by another one.
                browser.await("a second attempt", "document.getElementById('status').textContent.includes('(attempt 2)')",
                        30, STATE);
                int atCut = strings(browser.eval(TICKS)).size();
                long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
                while (ticks(monitor).size() < atCut + 20 && System.nanoTime() < deadline) {
                    Thread.sleep(50); // the guest logs on while the page is cut off
                }
                assertTrue(ticks(monitor).size() >= atCut + 20, "the guest logged during the outage");

                relay.restore();
                browser.await("live again", "document.getElementById('status').textContent === 'live (reconnected)'",
                        60, STATE);
                browser.screenshot("page-reconnected.png");
                ticker.stop(Duration.ofSeconds(10));
                List<String> history = ticks(monitor);
                browser.await("every record of the history", TICKS + ".length >= " + history.size(), 60, STATE);
                List<String> shown = strings(browser.eval(TICKS));
                System.out.printf("WebPageReconnectIT: %d ticks before the cut, %d in the history, %d on the page%n",
                        atCut, history.size(), shown.size());
                assertEquals(history.size(), new HashSet<>(shown).size(), "no record is missing");
                assertEquals(history, shown, "each record once, in order: none missing, none duplicated");

                // Download what is shown, filtered by text as a user types it.
                browser.eval("document.getElementById('filter').focus()");
                browser.type("tick 1");
                List<String> expected = history.stream().filter(m -> m.contains("tick 1")).toList();
                browser.await("the filtered rows", "document.getElementById('count').textContent.startsWith('"
                        + expected.size() + " of ')", 30, STATE);
                List<String> visible = strings(browser.eval("Array.from(document.querySelectorAll('#records .rec'))"
                        + ".filter(r => !r.hidden).map(r => r.record.message)"));
                browser.click("#download");
                List<String> lines = HeadlessChromium.awaitDownload(downloads.resolve("umonitor-logs.jsonl"), 30);
                List<String> downloaded = new ArrayList<>();
                for (String line : lines) {
                    JsonNode r = JSON.readTree(line);
                    assertEquals("ticker", r.path("unikernel").asText(), line);
                    downloaded.add(r.path("message").asText());
                }
                System.out.printf("WebPageReconnectIT: %d rows shown after filtering, %d records downloaded%n",
                        visible.size(), downloaded.size());
                assertEquals(expected, visible, "the filter shows exactly the matching records");
                assertEquals(visible, downloaded, "the download holds exactly the records shown, in order");
            }
        }
    }
}
