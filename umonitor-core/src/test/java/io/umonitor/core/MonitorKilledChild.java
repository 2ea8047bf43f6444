package io.umonitor.core;

import io.umonitor.api.LogOrigin;
import io.umonitor.api.LogRecord;
import io.umonitor.api.NetworkSpec;
import io.umonitor.api.UnikernelSpec;
import io.umonitor.api.spi.LogSink;
import io.umonitor.api.spi.ProviderContext;
import io.umonitor.core.network.tap.LinuxTapProvisioner;
import io.umonitor.core.sink.FileSink;
import java.nio.file.Path;

/**
 * A monitor in a JVM of its own for {@link MonitorKilledIT}: a guest holding a tap (when a network
 * namespace is given) and a guest printing numbered console lines into a file sink. After each flush of
 * the file sink it prints {@code ACK COUNT LAST}: COUNT console records of "talker" were acknowledged,
 * the last being LAST. It runs until killed.
 *
 * <p>Arguments: state directory, work directory, log directory, network namespace or "-".
 */
public final class MonitorKilledChild {
    private MonitorKilledChild() {
    }

    /** Counts what the file sink has flushed: a record is acknowledged once {@link FileSink#flush()} returned. */
    static final class AcknowledgingSink implements LogSink {
        private final FileSink files;
        private long accepted;
        private String last = "-";

        AcknowledgingSink(FileSink files) {
            this.files = files;
        }

        @Override
        public String id() {
            return FileSink.ID;
        }

        @Override
        public void open(ProviderContext context) {
            files.open();
        }

        @Override
        public void accept(LogRecord record) {
            files.accept(record);
            if (record.unikernel().equals("talker") && record.origin() == LogOrigin.CONSOLE
                    && record.message().startsWith("n=")) {
                accepted++;
                last = record.message();
            }
        }

        @Override
        public void flush() {
            long count = accepted;
            String lastMessage = last;
            files.flush();
            System.out.println("ACK " + count + " " + lastMessage);
            System.out.flush();
        }

        @Override
        public void close() {
            files.close();
        }
    }

    public static void main(String[] args) throws Exception {
        Path state = Path.of(args[0]);
        Path work = Path.of(args[1]);
        Path logs = Path.of(args[2]);
        String namespace = args[3];
        Monitor.Builder builder = Monitor.builder().discoverProviders(false).backend(new MarkerBackend())
                .sink(new AcknowledgingSink(new FileSink(logs))).stateDirectory(state).workDirectory(work);
        if (!namespace.equals("-")) {
            builder.networkProvisioner(LinuxTapProvisioner.builder().namespace(namespace).prefix("umr").build());
        }
        Monitor monitor = builder.build();
        UnikernelSpec.Builder sleeper = UnikernelSpec.builder("sleeper", Path.of("/bin/sh"))
                .argument("-c").argument("echo RUNNING; exec sleep 300");
        if (!namespace.equals("-")) {
            sleeper.network(NetworkSpec.tap("service0"));
        }
        var handle = monitor.launchAndAwaitRunning(sleeper.build(), java.time.Duration.ofSeconds(30));
        System.out.println("SLEEPER " + String.join(",", handle.networks().stream().map(n -> n.hostInterface())
                .toList()));
        // EPIPE ends the loop once this JVM is gone (echo fails), so no orphan spins.
        monitor.launchAndAwaitRunning(UnikernelSpec.builder("talker", Path.of("/bin/sh")).argument("-c").argument(
                "echo RUNNING; i=0; while echo n=$i; do i=$((i+1)); [ $((i % 50)) = 0 ] && sleep 0.01; done")
                .build(), java.time.Duration.ofSeconds(30));
        System.out.println("TALKER");
        System.out.flush();
        Thread.sleep(Long.MAX_VALUE);
    }
}
