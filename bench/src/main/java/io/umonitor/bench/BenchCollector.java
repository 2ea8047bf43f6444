package io.umonitor.bench;

import io.umonitor.api.LogStats;
import io.umonitor.core.Monitor;
import io.umonitor.core.sink.FileSink;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;

/**
 * The umonitor collector under test in bench/run.sh: a Monitor in attach mode (any sender, no token)
 * on loopback, with only the file sink (one text file per sender, no rotation, no fsync).
 *
 * <p>Usage: {@code BenchCollector DIR TCP_PORT UDP_PORT [SOURCE_PREFIX [syslog | forward HOST:PORT | otlp URL]]}; with
 * {@code syslog} the ports are the syslog receiver's (RFC 5424, attributed by APP-NAME) instead of the binary
 * collectors'; with {@code forward} every record also goes to the syslog server at HOST:PORT through the
 * syslog forwarding sink (RFC 5424, TCP, octet counting); with {@code otlp} every record also goes to the
 * OTLP/HTTP endpoint at URL through {@code OtlpLogSink} (its default batches). Prints {@code ready} once
 * listening. On SIGTERM it closes the monitor (which drains the collectors and flushes the sink) and
 * prints one line of counters summed over the senders whose name starts with SOURCE_PREFIX: records
 * received, lost (sequence gaps and GOODBYE counts), dropped, rejected, and the peak Java heap.
 */
public final class BenchCollector {
    private BenchCollector() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 3) {
            System.err.println("usage: BenchCollector DIR TCP_PORT UDP_PORT [SOURCE_PREFIX]");
            System.exit(2);
        }
        Path dir = Path.of(args[0]);
        InetAddress loopback = InetAddress.getLoopbackAddress();
        String prefix = args.length > 3 ? args[3] : "src";
        Monitor.Builder builder = Monitor.builder();
        // -Dbench.historySize=N: records kept in memory per sender (the monitor's default is 4,096); run.sh
        // uses it only for the extra row that shows what the in-memory history costs.
        String history = System.getProperty("bench.historySize");
        if (history != null) {
            builder.historySize(Integer.parseInt(history));
        }
        // -Dbench.memoryBudget=BYTES: the hub's memory budget (log.memoryBudgetBytes; default a quarter of the heap).
        String budget = System.getProperty("bench.memoryBudget");
        if (budget != null) {
            builder.property("log.memoryBudgetBytes", budget);
        }
        builder.discoverProviders(false)
                .sink(new FileSink())
                .property("file.directory", dir.toString())
                .property("file.maxBytes", "0")
                .acceptAttachedSenders("");
        if (args.length > 5 && args[4].equals("forward")) {
            builder.sink(new io.umonitor.syslog.SyslogForwardingSink())
                    .property("syslog.forward.address", args[5])
                    .property("syslog.forward.hostname", "bench");
        }
        if (args.length > 5 && args[4].equals("otlp")) {
            builder.sink(new io.umonitor.otlp.OtlpLogSink())
                    .property("otlp.endpoint", args[5])
                    .property("otlp.hostName", "bench");
        }
        if (args.length > 4 && args[4].equals("syslog")) {
            builder.tcpCollector(null).udpCollector(null)
                    .property("syslog.tcpAddress", "127.0.0.1:" + args[1])
                    .property("syslog.udpAddress", "127.0.0.1:" + args[2])
                    .property("syslog.attributeByName", "appname")
                    .property("syslog.attachUnknown", "true");
        } else {
            builder.tcpCollector(new InetSocketAddress(loopback, Integer.parseInt(args[1])))
                    .udpCollector(new InetSocketAddress(loopback, Integer.parseInt(args[2])));
        }
        Monitor monitor = builder.build();
        CountDownLatch done = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            monitor.close();
            long received = 0;
            long lost = 0;
            long dropped = 0;
            long rejected = 0;
            int senders = 0;
            for (String name : monitor.senders()) {
                if (name.startsWith(prefix)) {
                    LogStats s = monitor.logStats(name);
                    received += s.received();
                    lost += s.lost();
                    dropped += s.dropped();
                    rejected += s.rejected();
                    senders++;
                }
            }
            long heapPeak = 0;
            for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
                if (pool.getType() == MemoryType.HEAP && pool.getPeakUsage() != null) {
                    heapPeak += pool.getPeakUsage().getUsed();
                }
            }
            System.out.printf("umon_senders=%d umon_received=%d umon_lost=%d umon_dropped=%d umon_rejected=%d heap_peak_mb=%.1f%n", senders,
                    received, lost, dropped, rejected, heapPeak / 1048576.0);
            System.out.flush();
            done.countDown();
        }, "bench-collector-stop"));
        System.out.println("ready");
        System.out.flush();
        done.await();
    }
}
