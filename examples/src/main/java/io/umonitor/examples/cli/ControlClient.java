package io.umonitor.examples.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import java.util.stream.Stream;

/** The other end of {@link ControlServer}: finds the running umonitor commands and asks them. */
final class ControlClient {
    private final Path controlDirectory;

    ControlClient(Path controlDirectory) {
        this.controlDirectory = controlDirectory;
    }

    /** Sockets of running commands; sockets left by commands that died are removed. */
    List<Path> liveSockets() {
        List<Path> live = new ArrayList<>();
        if (!Files.isDirectory(controlDirectory)) {
            return live;
        }
        try (Stream<Path> files = Files.list(controlDirectory)) {
            for (Path p : files.filter(f -> f.toString().endsWith(".sock")).sorted().toList()) {
                String pid = p.getFileName().toString().replace(".sock", "");
                boolean alive = pid.matches("\\d+") && ProcessHandle.of(Long.parseLong(pid)).map(ProcessHandle::isAlive).orElse(false);
                if (alive) {
                    live.add(p);
                } else {
                    Files.deleteIfExists(p);
                }
            }
        } catch (IOException e) {
            // an unreadable directory means no reachable monitor
        }
        return live;
    }

    /** Sends one request to one socket and hands each reply line to {@code onReply} until it returns false. */
    void request(Path socket, ObjectNode request, Predicate<JsonNode> onReply) throws IOException {
        try (SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            channel.connect(UnixDomainSocketAddress.of(socket));
            OutputStream out = Channels.newOutputStream(channel);
            out.write(RecordJson.MAPPER.writeValueAsBytes(request));
            out.write('\n');
            out.flush();
            BufferedReader in = new BufferedReader(new InputStreamReader(Channels.newInputStream(channel), StandardCharsets.UTF_8));
            String line;
            while ((line = in.readLine()) != null) {
                if (!onReply.test(RecordJson.MAPPER.readTree(line))) {
                    return;
                }
            }
        }
    }

    JsonNode requestOne(Path socket, ObjectNode request) throws IOException {
        JsonNode[] reply = new JsonNode[1];
        request(socket, request, r -> {
            reply[0] = r;
            return false;
        });
        return reply[0];
    }
}
