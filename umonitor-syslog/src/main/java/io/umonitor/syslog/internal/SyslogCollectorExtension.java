package io.umonitor.syslog.internal;

import com.google.auto.service.AutoService;
import io.umonitor.api.ConfigurationException;
import io.umonitor.api.ProvisionedNetwork;
import io.umonitor.api.spi.CollectorExtension;
import io.umonitor.api.spi.CollectorInput;
import io.umonitor.api.spi.RunningCollector;
import io.umonitor.api.spi.SettingsReader;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import javax.net.ssl.SSLContext;

/**
 * Starts the {@link SyslogReceiver} when any of {@code syslog.udpAddress}, {@code syslog.tcpAddress},
 * {@code syslog.tlsAddress} is set (off otherwise). Other settings: {@code tlsCertificate}, {@code tlsKey}
 * (PEM, PKCS#8), {@code tlsClientCa} (PEM: require client certificates it signed), {@code maxMessageLength}
 * (octets, 480 to 65,535, default 8,192), {@code maxConnections} (default 256), {@code attributeByName}
 * ({@code off}, {@code hostname} or {@code appname}; default off) and {@code attachUnknown} (default false).
 */
@AutoService(CollectorExtension.class)
public final class SyslogCollectorExtension implements CollectorExtension {

    @Override
    public String id() {
        return "syslog";
    }

    @Override
    public SyslogCollector start(Map<String, String> values, CollectorInput input) {
        SyslogReceiver.Config config = config(values);
        if (config == null) {
            return null;
        }
        try {
            return new SyslogCollector(SyslogReceiver.start(input, config));
        } catch (IOException e) {
            throw new ConfigurationException("the syslog receiver cannot listen on UDP " + config.udp() + " / TCP "
                    + config.tcp() + " / TLS " + config.tls() + ": " + e.getMessage()
                    + ": choose a free port (0 picks one) on an address of this host", e);
        }
    }

    /** The receiver's settings, or null when no address enables it. */
    static SyslogReceiver.Config config(Map<String, String> values) {
        SettingsReader s = Settings.reader(values);
        InetSocketAddress udp = s.address("udpAddress", null);
        InetSocketAddress tcp = s.address("tcpAddress", null);
        InetSocketAddress tls = s.address("tlsAddress", null);
        int maxMessageLength = s.integer("maxMessageLength", 8192, 480, 65_535);
        int maxConnections = s.integer("maxConnections", 256, 1, 65_536);
        SyslogReceiver.NameAttribution byName = s.get("attributeByName", SyslogReceiver.NameAttribution.OFF,
                v -> {
                    try {
                        return SyslogReceiver.NameAttribution.valueOf(v.toUpperCase(Locale.ROOT));
                    } catch (IllegalArgumentException e) {
                        throw new IllegalArgumentException("use off, hostname or appname");
                    }
                });
        boolean attachUnknown = s.bool("attachUnknown", false);
        SSLContext context = null;
        boolean clientAuth = s.has("tlsClientCa");
        if (tls != null) {
            if (!s.has("tlsCertificate") || !s.has("tlsKey")) {
                s.problem("syslog.tlsAddress needs syslog.tlsCertificate and syslog.tlsKey (PEM files of the "
                        + "server's certificate chain and its PKCS#8 key)");
            } else {
                try {
                    context = Tls.context("syslog.tlsCertificate", s.path("tlsCertificate"), s.path("tlsKey"),
                            s.path("tlsClientCa"));
                } catch (ConfigurationException e) {
                    s.problem(e.getMessage());
                }
            }
        }
        if (attachUnknown && byName == SyslogReceiver.NameAttribution.OFF) {
            s.problem("syslog.attachUnknown=true needs syslog.attributeByName=hostname or appname");
        }
        s.check("syslog receiver");
        if (udp == null && tcp == null && tls == null) {
            return null;
        }
        return new SyslogReceiver.Config(udp, tcp, tls, context, clientAuth, maxMessageLength, maxConnections, byName,
                attachUnknown);
    }

    /** The running receiver: it listens where the collectors listen and learns each launch's addresses. */
    public static final class SyslogCollector implements RunningCollector {
        private final SyslogReceiver receiver;

        SyslogCollector(SyslogReceiver receiver) {
            this.receiver = receiver;
        }

        public SyslogReceiver receiver() {
            return receiver;
        }

        @Override
        public void listeningOn(InetAddress hostAddress, String networkDevice) {
            receiver.listenOn(hostAddress);
        }

        @Override
        public void stoppedListeningOn(InetAddress hostAddress) {
            receiver.stopListeningOn(hostAddress);
        }

        @Override
        public void senderUnregistered(String name) {
            receiver.forget(name);
        }

        @Override
        public Map<String, String> guestParameters(String unikernel, List<ProvisionedNetwork> networks) {
            return receiver.guestParameters(unikernel, networks);
        }

        @Override
        public void close() {
            receiver.close();
        }
    }
}
