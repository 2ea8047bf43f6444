package io.umonitor.examples.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** {@code umonitor run --metrics}: a Prometheus scrape of a running guest over real HTTP, as Prometheus does it. */
@Timeout(60)
class MetricsEndpointIT {

    @Test
    void aRunningGuestsCountersAndStateAreScrapedFromTheMetricsAddress(@TempDir Path home) throws Exception {
        Path guest = home.resolve("counting.sh");
        Files.writeString(guest, "#!/bin/sh\nfor i in 1 2 3 4 5; do echo line $i; done\nsleep 30\n");
        guest.toFile().setExecutable(true);
        Path output = home.resolve("run.out");
        Process run = CliProcess.start(home, output, "run", "--backend", "process", "--name", "scraped",
                "--metrics", "127.0.0.1:0", guest.toString());
        try {
            Matcher address = awaitLine(output, Pattern.compile("metrics: (http://127\\.0\\.0\\.1:\\d+/metrics)"));
            HttpClient http = HttpClient.newHttpClient();
            String body = "";
            long deadline = System.nanoTime() + 20_000_000_000L;
            while (!body.contains("umonitor_records_received_total{backend=\"process\",unikernel=\"scraped\"} 5.0")) {
                assertTrue(System.nanoTime() < deadline, "no scrape showed the 5 console records:\n" + body);
                HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(address.group(1))).build(),
                        HttpResponse.BodyHandlers.ofString());
                assertEquals(200, response.statusCode());
                body = response.body();
                Thread.sleep(100);
            }
            assertTrue(body.contains("umonitor_unikernel_state{backend=\"process\",state=\"RUNNING\",unikernel=\"scraped\"} 1.0"),
                    body);
            assertTrue(body.contains("umonitor_launch_seconds_count{backend=\"process\",unikernel=\"scraped\"} 1"), body);
            // The monitor-wide meters: refusals by reason, open connections, the file sink's queue.
            assertTrue(body.contains("umonitor_input_refused_total{reason=\"helloTimeout\"} 0.0"), body);
            assertTrue(body.contains("umonitor_connections{kind=\"pending\"} 0.0"), body);
            assertTrue(body.matches("(?s).*umonitor_sink_queue\\{sink=\"file\"} [0-9.]+\n.*"), body);
            body.lines().filter(l -> l.startsWith("umonitor_") && (l.contains("scraped") || l.contains("reason=")
                    || l.contains("kind=") || l.contains("sink="))).forEach(l -> System.out.println("scrape: " + l));
        } finally {
            run.destroy();
            run.waitFor();
        }
    }

    @Test
    void aMalformedAddressIsRefusedNamingTheFlag(@TempDir Path home) throws Exception {
        CliProcess.Result result = CliProcess.run(home, 30, "run", "--backend", "process", "--metrics", "nine",
                "/bin/true");
        assertTrue(result.exitCode() != 0, result.output());
        assertTrue(result.output().contains("--metrics nine is not PORT or HOST:PORT"), result.output());
    }

    private static Matcher awaitLine(Path output, Pattern pattern) throws Exception {
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (true) {
            String text = Files.exists(output) ? Files.readString(output, StandardCharsets.UTF_8) : "";
            Matcher m = pattern.matcher(text);
            if (m.find()) {
                return m;
            }
            assertTrue(System.nanoTime() < deadline, "no line matching " + pattern + " in:\n" + text);
            Thread.sleep(50);
        }
    }
}
