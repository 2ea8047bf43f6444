package io.umonitor.protocol;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;

/** The committed vector files, read once per test JVM. */
final class Vectors {
    static final Path DIR = Path.of("vectors");
    private static List<Vector> all;

    record Vector(String name, String transport, JsonNode json) {
        boolean valid() {
            return !json.has("error");
        }

        byte[] bytes() {
            return json.has("hex") ? HexFormat.of().parseHex(json.get("hex").asText()) : null;
        }

        String text() {
            return json.has("text") ? json.get("text").asText() : null;
        }

        List<Frame> frames() {
            return VectorJson.framesFromJson(json.get("frames"));
        }

        ProtocolErrorCode error() {
            return valid() ? null : ProtocolErrorCode.valueOf(json.get("error").asText());
        }

        List<String> consoleText() {
            List<String> lines = new ArrayList<>();
            if (json.has("console_text")) {
                json.get("console_text").forEach(n -> lines.add(n.asText()));
            }
            return lines;
        }

        /** The expected loss accounting, {@code [session, received, lost, out_of_order]} each, or null. */
        List<List<String>> accounting() {
            if (!json.has("accounting")) {
                return null;
            }
            List<List<String>> sessions = new ArrayList<>();
            for (JsonNode n : json.get("accounting")) {
                sessions.add(List.of(n.get("session").asText(), n.get("received").asText(), n.get("lost").asText(),
                        n.get("out_of_order").asText()));
            }
            return sessions;
        }

        @Override
        public String toString() {
            return name;
        }
    }

    private Vectors() {
    }

    static synchronized List<Vector> all() {
        if (all == null) {
            ObjectMapper mapper = new ObjectMapper();
            List<Vector> list = new ArrayList<>();
            try (Stream<Path> files = Files.list(DIR)) {
                for (Path p : files.filter(f -> f.toString().endsWith(".json")).sorted().toList()) {
                    JsonNode json = mapper.readTree(p.toFile());
                    list.add(new Vector(json.get("name").asText(), json.get("transport").asText(), json));
                }
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read the test vectors in " + DIR.toAbsolutePath()
                        + ": run the tests from the umonitor-log-protocol module directory (Maven does)", e);
            }
            all = List.copyOf(list);
        }
        return all;
    }

    static Stream<Vector> of(String... transports) {
        List<String> wanted = List.of(transports);
        return all().stream().filter(v -> wanted.contains(v.transport()));
    }
}
