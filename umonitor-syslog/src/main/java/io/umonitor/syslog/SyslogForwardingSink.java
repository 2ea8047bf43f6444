package io.umonitor.syslog;

import com.google.auto.service.AutoService;
import io.umonitor.api.ConfigurationException;
import io.umonitor.api.LogRecord;
import io.umonitor.api.spi.LogSink;
import io.umonitor.api.spi.ProviderContext;
import io.umonitor.core.sink.RecordsLostException;
import io.umonitor.syslog.internal.Forwarder;
import io.umonitor.api.spi.SettingsReader;
import io.umonitor.syslog.internal.Settings;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import javax.net.ssl.SSLContext;

/**
 * Forwards every record to a central syslog server as an RFC 5424 message ({@link SyslogFormatter}) over TCP
 * with octet counting (RFC 6587) or over TLS (RFC 5425). Off unless {@code syslog.forward.address} is set.
 *
 * <p>Settings ({@code syslog.forward.*}): {@code address} ({@code host:port}), {@code tls} (true/false),
 * {@code tlsCa} (PEM CA bundle to verify the server with; default the JDK's), {@code tlsCertificate} and
 * {@code tlsKey} (PEM, PKCS#8: a client certificate, for servers that require one), {@code hostname}
 * (HOSTNAME of every message; default this host's name), {@code facility} (name or number, default
 * {@code user}), {@code sdId} (the SD-ID carrying the attributes, default {@code umonitor@32473}: 32473 is
 * the example enterprise number of RFC 5612, set your own), {@code bufferBytes} (default 8 MiB),
 * {@code resendWindowMs} (default 250), {@code reconnectMaxMs} (default 5,000), {@code connectTimeoutMs}
 * (default 2,000).
 *
 * <p><b>Delivery</b>: records wait in a buffer of {@code bufferBytes} while the server is unreachable and
 * are sent once it is back (reconnecting with backoff from 100 ms up to {@code reconnectMaxMs}); a record
 * that does not fit is lost and counted against its unikernel (the monitor reports it like every other
 * loss). Plain syslog has no acknowledgement, so records written to a connection that then breaks may not
 * have been stored: those written within {@code resendWindowMs} before the break is noticed are sent again
 * (a server may then store a few twice; {@link #resent()} counts them). Records still buffered when the
 * monitor closes and the server stays unreachable for 5 s are counted lost and logged.
 */
@AutoService(LogSink.class)
public final class SyslogForwardingSink implements LogSink {
    private static final String[] FACILITIES = {"kern", "user", "mail", "daemon", "auth", "syslog", "lpr", "news",
        "uucp", "cron", "authpriv", "ftp", "ntp", "security", "console", "solaris-cron", "local0", "local1", "local2",
        "local3", "local4", "local5", "local6", "local7"};

    private SyslogFormatter formatter;
    private Forwarder forwarder;

    @Override
    public String id() {
        return "syslog";
    }

    @Override
    public void open(ProviderContext context) {
        SettingsReader s = Settings.reader(context.properties());
        InetSocketAddress address = s.address("forward.address", null);
        boolean tls = s.bool("forward.tls", false);
        String hostname = s.string("forward.hostname", localHostName());
        int facility = s.get("forward.facility", 1, SyslogForwardingSink::facility);
        String sdId = s.string("forward.sdId", "umonitor@32473");
        int bufferBytes = s.integer("forward.bufferBytes", 8 << 20, 64 * 1024, Integer.MAX_VALUE);
        int resendWindowMs = s.integer("forward.resendWindowMs", 250, 0, 600_000);
        int reconnectMaxMs = s.integer("forward.reconnectMaxMs", 5000, 100, 3_600_000);
        int connectTimeoutMs = s.integer("forward.connectTimeoutMs", 2000, 100, 600_000);
        SyslogFormatter f = null;
        try {
            f = new SyslogFormatter(hostname, facility, sdId);
        } catch (IllegalArgumentException e) {
            s.invalid("forward.sdId", e.getMessage());
        }
        SSLContext context2 = null;
        if (address != null && tls) {
            try {
                context2 = io.umonitor.syslog.internal.Tls.context("syslog.forward.tlsCa",
                        s.path("forward.tlsCertificate"), s.path("forward.tlsKey"), s.path("forward.tlsCa"));
            } catch (ConfigurationException e) {
                s.problem(e.getMessage());
            }
        } else if (!tls && (s.has("forward.tlsCa") || s.has("forward.tlsCertificate"))) {
            s.problem("syslog.forward.tlsCa/tlsCertificate are set but syslog.forward.tls is not true");
        }
        if (s.has("forward.tlsCertificate") != s.has("forward.tlsKey")) {
            s.problem("syslog.forward.tlsCertificate and syslog.forward.tlsKey go together");
        }
        s.check("syslog forwarding");
        if (address == null) {
            return; // off: the monitor closes a sink that is not enabled
        }
        formatter = f;
        forwarder = new Forwarder(address, context2, bufferBytes, Duration.ofMillis(resendWindowMs),
                Duration.ofMillis(reconnectMaxMs), connectTimeoutMs);
    }

    private static int facility(String value) {
        String v = value.toLowerCase(Locale.ROOT);
        for (int i = 0; i < FACILITIES.length; i++) {
            if (FACILITIES[i].equals(v)) {
                return i;
            }
        }
        int n = Integer.parseInt(v);
        if (n < 0 || n > 23) {
            throw new IllegalArgumentException("use a facility name (" + List.of(FACILITIES) + ") or 0 to 23");
        }
        return n;
    }

    private static String localHostName() {
        String env = System.getenv("HOSTNAME");
        if (env != null && !env.isBlank()) {
            return env.trim();
        }
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (java.io.IOException e) {
            return "localhost";
        }
    }

    @Override
    public boolean isEnabled() {
        return forwarder != null;
    }

    @Override
    public void accept(LogRecord record) {
        if (forwarder == null) {
            return;
        }
        if (!forwarder.offer(record.unikernel(), formatter.frame(record))) {
            throw new RecordsLostException(record.unikernel(), 1, "syslog server " + forwarder.address()
                    + " " + forwarder.whyBufferFull() + ", and the forwarding buffer of "
                    + forwarder.bufferBytes() + " bytes (syslog.forward.bufferBytes) is full: record lost", null);
        }
    }

    @Override
    public void flush() {
        if (forwarder != null) {
            forwarder.drain();
        }
    }

    @Override
    public void close() {
        if (forwarder != null) {
            forwarder.close(Duration.ofSeconds(5));
        }
    }

    /** Records written to the server (resent ones once more each). */
    public long forwarded() {
        return forwarder == null ? 0 : forwarder.written();
    }

    /** Records lost: buffer full while the server was unreachable, or still buffered at close. */
    public long lost() {
        return forwarder == null ? 0 : forwarder.lost();
    }

    /** Records sent again after a connection broke (a server may hold these twice). */
    public long resent() {
        return forwarder == null ? 0 : forwarder.resent();
    }

    /** Connections made (the first and every reconnection). */
    public long connections() {
        return forwarder == null ? 0 : forwarder.connections();
    }
}
