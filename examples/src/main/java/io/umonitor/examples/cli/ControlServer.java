package io.umonitor.examples.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.umonitor.api.ExitInfo;
import io.umonitor.api.LogFilter;
import io.umonitor.api.LogLevel;
import io.umonitor.api.LogStats;
import io.umonitor.api.UnikernelHandle;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * Lets {@code umonitor ps}, {@code logs} and {@code stop} in another terminal reach the monitor that a
 * {@code run}, {@code listen} or {@code shell} command holds. One Unix domain socket per running command
 * (so only local users with access to the state directory can use it), JSON lines in both directions.
 *
 * <p>Requests: {@code {"op":"ps"}}, {@code {"op":"stats"}}, {@code {"op":"stop","name":N}},
 * {@code {"op":"logs","name":N,"level":L,"grep":T,"follow":bool}}. Replies: one JSON object per line;
 * a logs reply is a stream of {@code {"record":{...}}} lines ending with {@code {"end":true}} unless following.
 */
final class ControlServer implements AutoCloseable {
    private final Path socketPath;
    private final ServerSocketChannel server;
    private final ControlTarget target;
    private final ExecutorService connections = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "umonitor-control");
        t.setDaemon(true);
        return t;
    });

    private ControlServer(Path socketPath, ServerSocketChannel server, ControlTarget target) {
        this.socketPath = socketPath;
        this.server = server;
        this.target = target;
    }

    static ControlServer start(Path controlDirectory, ControlTarget target) {
        try {
            Files.createDirectories(controlDirectory);
            Files.setPosixFilePermissions(controlDirectory, PosixFilePermissions.fromString("rwx------"));
            Path socket = controlDirectory.resolve(ProcessHandle.current().pid() + ".sock");
            Files.deleteIfExists(socket);
            ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
            server.bind(UnixDomainSocketAddress.of(socket));
            ControlServer control = new ControlServer(socket, server, target);
            control.connections.execute(control::acceptLoop);
            reopenOnHangup(target);
            return control;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open the control socket in " + controlDirectory
                    + ": make it writable or set UMONITOR_HOME to a writable directory", e);
        }
    }

    /** SIGHUP, as logrotate's postrotate sends it, reopens the log files, as it does for rsyslog. */
    private static void reopenOnHangup(ControlTarget target) {
        try {
            sun.misc.Signal.handle(new sun.misc.Signal("HUP"), signal -> target.reopenLogs());
        } catch (IllegalArgumentException | UnsupportedOperationException e) {
            // no SIGHUP on this platform or the JVM keeps it: the reopen request still works
        }
    }

    private void acceptLoop() {
        while (server.isOpen()) {
            try {
                SocketChannel channel = server.accept();
                connections.execute(() -> serve(channel));
            } catch (IOException e) {
                return; // closed
            }
        }
    }

    private void serve(SocketChannel channel) {
        try (channel;
             BufferedReader in = new BufferedReader(new InputStreamReader(Channels.newInputStream(channel), StandardCharsets.UTF_8));
             OutputStream out = Channels.newOutputStream(channel)) {
            String line = in.readLine();
            if (line == null) {
                return;
            }
            JsonNode request = RecordJson.MAPPER.readTree(line);
            switch (request.path("op").asText()) {
                case "ps" -> send(out, ps());
                case "stop" -> send(out, stop(request.path("name").asText()));
                case "logs" -> logs(request, out);
                case "reopen" -> {
                    target.reopenLogs();
                    send(out, RecordJson.MAPPER.createObjectNode().put("ok", true));
                }
                case "stats" -> send(out, stats());
                default -> send(out, error("unknown request '" + request.path("op").asText()
                        + "': use ps, stop, logs, stats or reopen"));
            }
        } catch (IOException e) {
            // the client went away; nothing else is affected
        } catch (RuntimeException e) {
            // A bad request or a failure here ends this one connection, with the reason for the client.
            try {
                send(Channels.newOutputStream(channel), error("request failed: " + e));
            } catch (IOException | RuntimeException ignored) {
                // the client went away as well
            }
        }
    }

    private ObjectNode ps() {
        ObjectNode reply = RecordJson.MAPPER.createObjectNode();
        reply.put("command", target.command()).put("pid", ProcessHandle.current().pid());
        target.logDirectory().ifPresent(d -> reply.put("logDirectory", d.toString()));
        ArrayNode list = reply.putArray("unikernels");
        for (UnikernelHandle h : target.unikernels()) {
            ObjectNode n = list.addObject();
            n.put("name", h.name());
            n.put("backend", h.backendId());
            n.put("state", h.state().name());
            n.put("restarts", h.restarts());
            n.put("ended", h.termination().isDone());
            String pid = target.details(h.name()).get("pid");
            if (pid != null && !h.state().isTerminal()) {
                n.put("pid", Long.parseLong(pid));
            }
            target.launchedAt(h.name()).ifPresent(t -> n.put("launchedAt", t.toString()));
            if (!h.state().isTerminal()) {
                // As Unix ps: CPU time over the run's lifetime, and resident memory now.
                target.stats(h.name()).ifPresent(st -> {
                    double up = st.uptime().toNanos();
                    double cpu = st.cpuUser().toNanos() + st.cpuSystem().toNanos();
                    n.put("cpuPercent", up > 0 ? Math.round(cpu / up * 1000) / 10.0 : 0.0);
                    n.put("rssBytes", st.rssBytes());
                });
            }
            LogStats s = h.logStats();
            n.put("received", s.received()).put("lost", new java.math.BigInteger(Long.toUnsignedString(s.lost()))).put("rejected", s.rejected()).put("dropped", s.dropped());
            h.exitInfo().ifPresent(x -> putExit(n, x));
        }
        ArrayNode attached = reply.putArray("attached");
        for (String name : target.attachedSenders()) {
            LogStats s = target.logStats(name);
            attached.addObject().put("name", name).put("received", s.received()).put("lost", new java.math.BigInteger(Long.toUnsignedString(s.lost())))
                    .put("rejected", s.rejected()).put("dropped", s.dropped());
        }
        ObjectNode counters = reply.putObject("counters");
        target.logCounters().forEach(counters::put);
        return reply;
    }

    /** Every running unikernel's resource figures; {@link StatsCommand} picks the names it wants. */
    private ObjectNode stats() {
        ObjectNode reply = RecordJson.MAPPER.createObjectNode();
        ArrayNode list = reply.putArray("stats");
        for (UnikernelHandle h : target.unikernels()) {
            target.stats(h.name()).ifPresent(s -> list.add(StatsCommand.toJson(s)));
        }
        return reply;
    }

    private ObjectNode stop(String name) {
        return target.find(name).map(h -> {
            ExitInfo exit = h.stop(Duration.ofSeconds(5));
            ObjectNode reply = RecordJson.MAPPER.createObjectNode().put("ok", true);
            putExit(reply, exit);
            return reply;
        }).orElseGet(() -> error("no unikernel named '" + name + "' in this monitor"));
    }

    private void logs(JsonNode request, OutputStream out) throws IOException {
        String name = request.path("name").asText();
        boolean all = name.equals("*");
        LogFilter filter = new LogFilter(LogLevel.parse(request.path("level").asText("TRACE")), null, null,
                request.path("grep").asText(null));
        if (!all && target.find(name).isEmpty() && !target.logs(name, LogFilter.ALL).iterator().hasNext()) {
            send(out, error("no unikernel named '" + name + "' in this monitor"));
            return;
        }
        if (!request.path("follow").asBoolean(false)) {
            java.util.List<String> names = new java.util.ArrayList<>();
            if (all) {
                target.unikernels().forEach(h -> names.add(h.name()));
                names.addAll(target.attachedSenders());
            } else {
                names.add(name);
            }
            for (String n : names) {
                for (var r : target.logs(n, filter)) {
                    send(out, RecordJson.MAPPER.createObjectNode().set("record", RecordJson.toJson(r)));
                }
            }
            send(out, RecordJson.MAPPER.createObjectNode().put("end", true));
            return;
        }
        CountDownLatch gone = new CountDownLatch(1);
        try (AutoCloseable ignored = target.follow(all ? null : name, filter, r -> {
            try {
                send(out, RecordJson.MAPPER.createObjectNode().set("record", RecordJson.toJson(r)));
            } catch (IOException e) {
                gone.countDown();
            }
        })) {
            // A client that hung up is noticed on the next write: reading here at the same time would
            // share the channel's blocking lock with the writer.
            gone.await();
        } catch (Exception e) {
            // stop following
        }
    }

    private static void putExit(ObjectNode n, ExitInfo x) {
        n.putObject("exit").put("code", x.exitCode()).put("classification", x.classification().name())
                .put("description", x.description());
    }

    private static ObjectNode error(String message) {
        return RecordJson.MAPPER.createObjectNode().put("error", message);
    }

    private static void send(OutputStream out, JsonNode reply) throws IOException {
        synchronized (out) {
            out.write(RecordJson.MAPPER.writeValueAsBytes(reply));
            out.write('\n');
            out.flush();
        }
    }

    @Override
    public void close() {
        try {
            server.close();
            Files.deleteIfExists(socketPath);
        } catch (IOException e) {
            // best effort: a stale socket is detected and removed by the next client
        }
        // Let answers in flight finish (a `stop` that ended the last unikernel is answered while `run`
        // shuts down), then end connections that only follow logs.
        connections.shutdown();
        try {
            connections.awaitTermination(1, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        connections.shutdownNow();
    }
}
