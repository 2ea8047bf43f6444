package io.umonitor.rumprun.internal;

import io.umonitor.api.LogLevel;
import io.umonitor.api.UnikernelSpec;
import io.umonitor.api.CollectorEndpoint;
import io.umonitor.api.spi.GuestOutput;
import io.umonitor.api.spi.LaunchRequest;
import io.umonitor.api.ProvisionedNetwork;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.util.List;

/** Launch requests for unit tests (no I/O). */
final class TestRequests {

    static final String TOKEN = "0123456789abcdef0123456789abcdef";

    static final GuestOutput IGNORED = new GuestOutput() {
        @Override
        public void consoleLine(Stream stream, String line) {
        }

        @Override
        public void running() {
        }

        @Override
        public void note(LogLevel level, String message) {
        }
    };

    private TestRequests() {
    }

    static List<CollectorEndpoint> loopbackCollectors() {
        InetAddress lo = InetAddress.getLoopbackAddress();
        return List.of(new CollectorEndpoint(CollectorEndpoint.Transport.TCP, new InetSocketAddress(lo, 40001), null),
                new CollectorEndpoint(CollectorEndpoint.Transport.UDP, new InetSocketAddress(lo, 40002), null));
    }

    static ProvisionedNetwork tap(String device, String tap, String namespace) {
        try {
            return new ProvisionedNetwork("tap", device, tap, "52:54:00:aa:bb:cc", InetAddress.getByName("10.77.0.1"),
                    InetAddress.getByName("10.77.0.2"), 30, namespace);
        } catch (UnknownHostException e) {
            throw new AssertionError(e);
        }
    }

    static LaunchRequest request(UnikernelSpec spec, List<ProvisionedNetwork> networks,
            List<CollectorEndpoint> collectors) {
        return new LaunchRequest(spec, TOKEN, networks, collectors, IGNORED, Path.of("/tmp/run"));
    }
}
