package io.umonitor.examples.cli;

import io.umonitor.core.sink.Escaping;
import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "ps", description = "List the unikernels of every running umonitor command.")
final class PsCommand implements Callable<Integer> {
    @Option(names = "--home", paramLabel = "DIR", description = "As for run.")
    Path home;

    @Override
    public Integer call() throws Exception {
        ControlClient client = new ControlClient(UmonitorHome.resolve(home).control());
        List<Path> sockets = client.liveSockets();
        if (sockets.isEmpty()) {
            System.out.println("no running umonitor (start one with `umonitor run IMAGE`, `listen` or `shell`)");
            return 0;
        }
        System.out.printf("%-20s %-8s %-8s %8s %9s %6s %8s  %s%n", "NAME", "BACKEND", "STATE", "RESTARTS", "RECORDS", "LOST", "REJECTED", "EXIT");
        for (Path socket : sockets) {
            JsonNode reply = client.requestOne(socket, RecordJson.MAPPER.createObjectNode().put("op", "ps"));
            for (JsonNode u : reply.path("unikernels")) {
                JsonNode exit = u.path("exit");
                String exitText = exit.isMissingNode() ? "" : exit.path("code").asInt() + " " + exit.path("classification").asText()
                        + ": " + Escaping.escape(exit.path("description").asText());
                System.out.printf("%-20s %-8s %-8s %8d %9d %6s %8d  %s%n", u.path("name").asText(), u.path("backend").asText(),
                        u.path("state").asText(), u.path("restarts").asInt(), u.path("received").asLong(),
                        u.path("lost").asText(), u.path("rejected").asLong(), exitText);
            }
            for (JsonNode a : reply.path("attached")) {
                System.out.printf("%-20s %-8s %-8s %8s %9d %6d %8d  dropped %d%n", a.path("name").asText(), "attach",
                        "-", "-", a.path("received").asLong(), a.path("lost").asLong(), a.path("rejected").asLong(),
                        a.path("dropped").asLong());
            }
            StringBuilder refused = new StringBuilder();
            reply.path("counters").fields().forEachRemaining(e -> {
                if (e.getValue().asLong() != 0 && e.getKey().matches(".*(refused|failures|closed|broken).*")) {
                    refused.append(refused.length() == 0 ? "" : ", ").append(e.getKey()).append(' ')
                            .append(e.getValue().asLong());
                }
            });
            if (refused.length() > 0) {
                System.out.println("monitor " + socket.getFileName() + ": " + refused);
            }
        }
        return 0;
    }
}
