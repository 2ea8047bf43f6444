package io.umonitor.syslog;

import io.umonitor.api.spi.LogSink;
import io.umonitor.testkit.LogSinkContract;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

/**
 * The syslog forwarding sink against the sink contract, delivering to a real rsyslog (imtcp, one line per
 * record in a file). A failing store is rsyslog stopped (with a 1 MiB buffer, so the contract's 2 MB of records
 * overflow it and the overflow is thrown as lost); the repair is rsyslog started again on the same port and
 * the sink connected to it again (records offered while its buffer is still full are lost, by design).
 */
class SyslogForwardingSinkContractIT extends LogSinkContract {
    @TempDir
    Path rsyslogDir;

    private Rsyslog rsyslog;
    private int port;
    private Path received;

    @BeforeEach
    void startRsyslog() throws Exception {
        Assumptions.assumeTrue(Rsyslog.installed(), "rsyslogd is missing: apt-get install rsyslog");
        port = ExternalTools.freePort();
        received = rsyslogDir.resolve("received.log");
        rsyslog = new Rsyslog(rsyslogDir.resolve("rsyslog"), "module(load=\"imtcp\")\n"
                + "input(type=\"imtcp\" port=\"" + port + "\" address=\"127.0.0.1\")\n"
                + "template(name=\"line\" type=\"string\" string=\"%app-name%|%msg%\\n\")\n"
                + "action(type=\"omfile\" file=\"" + received + "\" template=\"line\")\n").start();
        awaitListening();
    }

    private void awaitListening() throws InterruptedException {
        Rsyslog.await("rsyslog listening", Duration.ofSeconds(15), () -> {
            try (java.net.Socket s = new java.net.Socket("127.0.0.1", port)) {
                return true;
            } catch (IOException e) {
                return false;
            }
        });
    }

    @AfterEach
    void stopRsyslog() throws InterruptedException {
        if (rsyslog != null) {
            rsyslog.stop();
        }
    }

    @Override
    protected LogSink createSink() {
        return new SyslogForwardingSink();
    }

    @Override
    protected Map<String, String> settings() {
        return Map.of("forward.address", "127.0.0.1:" + port, "forward.bufferBytes", "1048576",
                "forward.reconnectMaxMs", "200", "forward.resendWindowMs", "0");
    }

    /**
     * rsyslog's lines for {@code unikernel}, once the file has stopped growing for a second (rsyslog writes
     * what it received a moment after the sink handed it over; plain syslog has no acknowledgement to wait on).
     */
    @Override
    protected List<String> stored(String unikernel) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
        long size = -1;
        long stableSince = System.nanoTime();
        while (System.nanoTime() < deadline) {
            long now = Files.exists(received) ? Files.size(received) : 0;
            if (now != size) {
                size = now;
                stableSince = System.nanoTime();
            } else if (System.nanoTime() - stableSince > Duration.ofSeconds(1).toNanos()) {
                break;
            }
            Thread.sleep(50);
        }
        if (!Files.exists(received)) {
            return List.of();
        }
        return Files.readAllLines(received, StandardCharsets.UTF_8).stream()
                .filter(l -> l.startsWith(unikernel + "|")).map(l -> l.substring(unikernel.length() + 1)).toList();
    }

    @Override
    protected Optional<Runnable> breakStorage(LogSink sink) throws Exception {
        rsyslog.stop();
        return Optional.of(() -> {
            try {
                long before = ((SyslogForwardingSink) sink).connections();
                rsyslog.start();
                awaitListening();
                Rsyslog.await("the sink to reconnect", Duration.ofSeconds(15),
                        () -> ((SyslogForwardingSink) sink).connections() > before);
                sink.flush();
            } catch (IOException | InterruptedException e) {
                throw new IllegalStateException("restarting rsyslog failed", e);
            }
        });
    }
}
