package io.umonitor.examples.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.umonitor.api.ConfigurationException;
import io.umonitor.api.UnikernelHandle;
import io.umonitor.api.UnikernelSpec;
import io.umonitor.core.Monitor;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Keeps unikernel names unique across every running umonitor command on one home, so that `ps`, `logs`
 * and `stop` mean one guest and no two guests write one log file. The check (asking every other running
 * command over its control socket) and the launch happen under a lock file in the control directory, so
 * two commands launching the same name at the same moment cannot both pass.
 */
final class UniqueNames {
    private UniqueNames() {
    }

    /** Launches {@code spec} on {@code monitor} unless another running command holds a live guest of that name. */
    static UnikernelHandle launch(UmonitorHome home, Monitor monitor, UnikernelSpec spec) {
        Path control = home.control();
        try {
            Files.createDirectories(control);
            try (FileChannel lockFile = FileChannel.open(control.resolve("names.lock"), StandardOpenOption.CREATE,
                    StandardOpenOption.WRITE);
                 FileLock lock = lockFile.lock()) {
                refuseIfHeldElsewhere(control, spec.name());
                return monitor.launch(spec);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot lock " + control.resolve("names.lock") + " to keep unikernel names "
                    + "unique: make " + control + " writable or set UMONITOR_HOME", e);
        }
    }

    private static void refuseIfHeldElsewhere(Path control, String name) {
        ControlClient client = new ControlClient(control);
        String self = ProcessHandle.current().pid() + ".sock";
        for (Path socket : client.liveSockets()) {
            if (socket.getFileName().toString().equals(self)) {
                continue;
            }
            JsonNode reply;
            try {
                reply = client.requestOne(socket, RecordJson.MAPPER.createObjectNode().put("op", "ps"));
            } catch (IOException e) {
                continue; // a command that is ending cannot hold the name much longer
            }
            if (reply == null) {
                continue;
            }
            for (JsonNode u : reply.path("unikernels")) {
                String state = u.path("state").asText();
                if (u.path("name").asText().equals(name) && !u.path("ended").asBoolean()) {
                    throw new ConfigurationException("the name '" + name + "' is in use by `umonitor "
                            + reply.path("command").asText() + "` (pid " + reply.path("pid").asLong() + "), where it is "
                            + state + ": choose another with --name NAME, or stop that one first with `umonitor stop "
                            + name + "`");
                }
            }
        }
    }
}
