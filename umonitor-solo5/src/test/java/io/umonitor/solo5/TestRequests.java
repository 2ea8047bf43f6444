package io.umonitor.solo5;

import io.umonitor.api.UnikernelSpec;
import io.umonitor.api.spi.CollectorEndpoint;
import io.umonitor.api.spi.LaunchRequest;
import io.umonitor.api.spi.ProvisionedNetwork;
import io.umonitor.testkit.RecordingGuestOutput;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

final class TestRequests {
    private TestRequests() {
    }

    static InetAddress ip(String text) {
        try {
            return InetAddress.getByName(text);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException(e);
        }
    }

    static ProvisionedNetwork tap(String device, String tap, String mac, String host, String guest, String ns) {
        return new ProvisionedNetwork("tap", device, tap, mac, ip(host), ip(guest), 30, ns);
    }

    static List<CollectorEndpoint> collectors(String device, String host) {
        List<CollectorEndpoint> list = new ArrayList<>();
        list.add(new CollectorEndpoint(CollectorEndpoint.Transport.UDP, new InetSocketAddress(ip(host), 5514), device));
        list.add(new CollectorEndpoint(CollectorEndpoint.Transport.TCP, new InetSocketAddress(ip(host), 5515), device));
        list.add(new CollectorEndpoint(CollectorEndpoint.Transport.UDP,
                new InetSocketAddress(ip("127.0.0.1"), 40000), null));
        return list;
    }

    static LaunchRequest request(UnikernelSpec spec, List<ProvisionedNetwork> networks,
            List<CollectorEndpoint> collectors, Path runDirectory) {
        return new LaunchRequest(spec, "tok3n", networks, collectors, new RecordingGuestOutput(), runDirectory);
    }
}
