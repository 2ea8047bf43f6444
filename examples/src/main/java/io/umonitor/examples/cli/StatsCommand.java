package io.umonitor.examples.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.umonitor.api.UnikernelStats;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "stats", mixinStandardHelpOptions = true, description = {
        "Resource figures of running unikernels, like `docker stats`: CPU, memory, network, uptime, restarts.",
        "CPU %% is over the sampling interval (100%% = one core); figures cover the guest's whole host process"
                + " tree (tender, VMM or process)."})
final class StatsCommand implements Callable<Integer> {
    @Parameters(paramLabel = "NAME", arity = "0..*", description = "Only these unikernels (default: all).")
    List<String> names = new ArrayList<>();

    @Option(names = {"-f", "--follow"}, description = "Keep sampling until Ctrl-C.")
    boolean follow;

    @Option(names = "--json", description = "One JSON object per unikernel and sample, with every figure.")
    boolean json;

    @Option(names = "--interval", paramLabel = "SECONDS", defaultValue = "1",
            description = "Seconds between samples (default: ${DEFAULT-VALUE}).")
    double interval;

    @Option(names = "--home", paramLabel = "DIR", description = "As for run.")
    Path home;

    @Override
    public Integer call() throws Exception {
        if (!(interval > 0) || interval > 3600) {
            System.err.println("umonitor stats: --interval " + interval + " is not a number of seconds between 0"
                    + " and 3600: use e.g. --interval 2");
            return 2;
        }
        ControlClient client = new ControlClient(UmonitorHome.resolve(home).control());
        if (client.liveSockets().isEmpty()) {
            System.out.println("no running umonitor (start one with `umonitor run IMAGE`, `listen` or `shell`)");
            return 0;
        }
        long pause = (long) (interval * 1000);
        Map<String, JsonNode> previous = sample(client);
        boolean first = true;
        do {
            Thread.sleep(pause);
            Map<String, JsonNode> current = sample(client);
            for (String name : names) {
                if (first && !current.containsKey(name) && !previous.containsKey(name)) {
                    System.err.println("umonitor stats: no running unikernel named '" + name
                            + "' (`umonitor ps` lists them)");
                    return 1;
                }
            }
            print(previous, current, pause, first);
            previous = current;
            first = false;
        } while (follow);
        return 0;
    }

    private Map<String, JsonNode> sample(ControlClient client) throws Exception {
        Map<String, JsonNode> out = new LinkedHashMap<>();
        for (Path socket : client.liveSockets()) {
            JsonNode reply = client.requestOne(socket, RecordJson.MAPPER.createObjectNode().put("op", "stats"));
            for (JsonNode s : reply.path("stats")) {
                String name = s.path("unikernel").asText();
                if (names.isEmpty() || names.contains(name)) {
                    out.put(name, s);
                }
            }
        }
        return out;
    }

    private void print(Map<String, JsonNode> previous, Map<String, JsonNode> current, long pauseMillis, boolean header) {
        if (header && !json) {
            System.out.printf("%-20s %6s %10s %10s %5s %21s %10s %8s%n", "NAME", "CPU %", "MEM", "PEAK MEM", "PIDS",
                    "NET RX / TX", "UPTIME", "RESTARTS");
        }
        for (Map.Entry<String, JsonNode> e : current.entrySet()) {
            JsonNode now = e.getValue();
            JsonNode before = previous.getOrDefault(e.getKey(), now);
            double cpuNanos = cpu(now) - cpu(before);
            double cpuPercent = Math.max(0, cpuNanos / (pauseMillis * 1_000_000.0) * 100);
            long rx = 0;
            long tx = 0;
            for (JsonNode n : now.path("networks")) {
                rx += n.path("rxBytes").asLong();
                tx += n.path("txBytes").asLong();
            }
            if (json) {
                ObjectNode line = now.deepCopy();
                line.put("cpuPercent", Math.round(cpuPercent * 10) / 10.0);
                System.out.println(line);
            } else {
                System.out.printf("%-20s %6.1f %10s %10s %5d %21s %10s %8d%n", e.getKey(), cpuPercent,
                        bytes(now.path("rssBytes").asLong()), bytes(now.path("peakRssBytes").asLong()),
                        now.path("processes").asInt(),
                        now.path("networks").isEmpty() ? "-" : bytes(rx) + " / " + bytes(tx),
                        duration(Duration.ofMillis(now.path("uptimeMs").asLong())), now.path("restarts").asInt());
            }
        }
        System.out.flush();
    }

    private static double cpu(JsonNode s) {
        return s.path("cpuUserNanos").asDouble() + s.path("cpuSystemNanos").asDouble();
    }

    static String bytes(long n) {
        if (n < 1024) {
            return n + " B";
        }
        String[] units = {"KiB", "MiB", "GiB", "TiB"};
        double v = n;
        int u = -1;
        while (v >= 1024 && u < units.length - 1) {
            v /= 1024;
            u++;
        }
        return String.format("%.1f %s", v, units[u]);
    }

    static String duration(Duration d) {
        long s = d.toSeconds();
        if (s < 60) {
            return s + "s";
        }
        if (s < 3600) {
            return (s / 60) + "m" + (s % 60) + "s";
        }
        return (s / 3600) + "h" + (s % 3600 / 60) + "m";
    }

    /** The control socket's shape of one sample: every figure, in plain units. */
    static ObjectNode toJson(UnikernelStats s) {
        ObjectNode n = RecordJson.MAPPER.createObjectNode();
        n.put("unikernel", s.unikernel()).put("sampledAt", s.sampledAt().toString())
                .put("uptimeMs", s.uptime().toMillis()).put("restarts", s.restarts()).put("processes", s.processes())
                .put("cpuUserNanos", s.cpuUser().toNanos()).put("cpuSystemNanos", s.cpuSystem().toNanos())
                .put("rssBytes", s.rssBytes()).put("peakRssBytes", s.peakRssBytes());
        ArrayNode networks = n.putArray("networks");
        for (UnikernelStats.InterfaceStats i : s.networks()) {
            networks.addObject().put("device", i.device()).put("rxBytes", i.rxBytes()).put("rxPackets", i.rxPackets())
                    .put("rxErrors", i.rxErrors()).put("rxDropped", i.rxDropped()).put("txBytes", i.txBytes())
                    .put("txPackets", i.txPackets()).put("txErrors", i.txErrors()).put("txDropped", i.txDropped());
        }
        return n;
    }
}
