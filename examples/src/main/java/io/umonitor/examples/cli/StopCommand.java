package io.umonitor.examples.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "stop", description = "Stop a unikernel held by a running umonitor command.")
final class StopCommand implements Callable<Integer> {
    @Parameters(paramLabel = "NAME")
    String name;

    @Option(names = "--home", paramLabel = "DIR", description = "As for run.")
    Path home;

    @Override
    public Integer call() throws Exception {
        ControlClient client = new ControlClient(UmonitorHome.resolve(home).control());
        for (Path socket : client.liveSockets()) {
            JsonNode reply = client.requestOne(socket, RecordJson.MAPPER.createObjectNode().put("op", "stop").put("name", name));
            if (reply != null && reply.path("ok").asBoolean()) {
                System.out.println(name + " stopped: " + TerminalText.show(reply.path("exit").path("description").asText()));
                return 0;
            }
        }
        System.err.println("no running umonitor holds a unikernel named '" + name + "': see `umonitor ps`");
        return 1;
    }
}
