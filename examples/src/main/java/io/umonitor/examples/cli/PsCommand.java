package io.umonitor.examples.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "ps", description = {
        "List the unikernels and attached senders of every running umonitor command.",
        "PID is the guest's process (tender, VMM or program); OWNER the umonitor command holding it.",
        "CPU %% is the CPU time of the guest's process tree over its run's lifetime (as Unix ps), MEM its resident memory;",
        "`umonitor stats` shows them live."})
final class PsCommand implements Callable<Integer> {
    @Option(names = "--home", paramLabel = "DIR", description = "As for run.")
    Path home;

    @Option(names = {"-a", "--all"}, description = "Also unikernels that have ended (while their monitor runs).")
    boolean all;

    @Override
    public Integer call() throws Exception {
        ControlClient client = new ControlClient(UmonitorHome.resolve(home).control());
        List<Path> sockets = client.liveSockets();
        if (sockets.isEmpty()) {
            System.out.println("no running umonitor (start one with `umonitor run IMAGE`, `listen` or `shell`)");
            return 0;
        }
        String format = "%-16s %-8s %-8s %8s %-18s %6s %5s %9s %8s %9s %6s %8s  %s%n";
        System.out.printf(format, "NAME", "BACKEND", "STATE", "PID", "OWNER", "AGE", "CPU %", "MEM", "RESTARTS",
                "RECORDS", "LOST", "REJECTED", "EXIT");
        int hidden = 0;
        for (Path socket : sockets) {
            JsonNode reply = client.requestOne(socket, RecordJson.MAPPER.createObjectNode().put("op", "ps"));
            if (reply == null) {
                continue;
            }
            String owner = reply.path("command").asText("?") + " (pid " + reply.path("pid").asText("?") + ")";
            for (JsonNode u : reply.path("unikernels")) {
                if (!all && u.path("ended").asBoolean()) {
                    hidden++;
                    continue;
                }
                JsonNode exit = u.path("exit");
                String exitText = exit.isMissingNode() ? "" : exit.path("code").asInt() + " " + exit.path("classification").asText()
                        + ": " + TerminalText.show(exit.path("description").asText());
                System.out.printf(format, u.path("name").asText(), u.path("backend").asText(), u.path("state").asText(),
                        u.has("pid") ? u.path("pid").asText() : "-", owner, age(u.path("launchedAt").asText(null)),
                        u.has("cpuPercent") ? String.format("%.1f", u.path("cpuPercent").asDouble()) : "-",
                        u.has("rssBytes") ? StatsCommand.bytes(u.path("rssBytes").asLong()) : "-",
                        u.path("restarts").asInt(), u.path("received").asLong(), u.path("lost").asText(),
                        u.path("rejected").asLong(), exitText);
            }
            for (JsonNode s : reply.path("attached")) {
                System.out.printf(format, s.path("name").asText(), "attached", "ATTACHED", "-", owner, "-", "-", "-", "-",
                        s.path("received").asLong(), s.path("lost").asText(), s.path("rejected").asLong(), "");
            }
            StringBuilder refused = new StringBuilder();
            reply.path("counters").fields().forEachRemaining(e -> {
                if (e.getValue().asLong() != 0 && e.getKey().matches(".*(refused|failures|closed|broken).*")) {
                    refused.append(refused.length() == 0 ? "" : ", ").append(e.getKey()).append(' ')
                            .append(e.getValue().asLong());
                }
            });
            if (refused.length() > 0) {
                System.out.println("monitor " + owner + ": " + refused);
            }
        }
        if (hidden > 0) {
            System.out.println("(" + hidden + " ended unikernel(s) not shown: `umonitor ps -a` lists them)");
        }
        return 0;
    }

    /** "42s", "5m03s", "2h10m", "3d04h": short like docker's, but exact enough to tell guests apart. */
    static String age(String since) {
        if (since == null) {
            return "-";
        }
        long s = Math.max(0, Duration.between(Instant.parse(since), Instant.now()).toSeconds());
        if (s < 60) {
            return s + "s";
        }
        if (s < 3600) {
            return String.format("%dm%02ds", s / 60, s % 60);
        }
        if (s < 86400) {
            return String.format("%dh%02dm", s / 3600, (s % 3600) / 60);
        }
        return String.format("%dd%02dh", s / 86400, (s % 86400) / 3600);
    }
}
