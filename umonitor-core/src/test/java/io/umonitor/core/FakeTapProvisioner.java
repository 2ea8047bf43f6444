package io.umonitor.core;

import io.umonitor.api.NetworkSpec;
import io.umonitor.api.Availability;
import io.umonitor.api.spi.NetworkProvisioner;
import io.umonitor.api.ProvisionedNetwork;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Stands in for a tap provisioner, which needs CAP_NET_ADMIN these lifecycle tests do not have: it
 * creates nothing and records what it was asked to create and release.
 */
class FakeTapProvisioner implements NetworkProvisioner {
    final List<ProvisionedNetwork> live = new CopyOnWriteArrayList<>();
    final List<String> eventLog;
    private final AtomicInteger next = new AtomicInteger();

    FakeTapProvisioner(List<String> eventLog) {
        this.eventLog = eventLog;
    }

    @Override
    public String id() {
        return "faketap";
    }

    @Override
    public Availability availability() {
        return Availability.usable();
    }

    @Override
    public ProvisionedNetwork provision(String unikernel, NetworkSpec spec) {
        int n = next.incrementAndGet();
        try {
            ProvisionedNetwork net = new ProvisionedNetwork(id(), spec.name(), "umtfake" + n, "52:54:00:00:00:0" + (n % 10),
                    InetAddress.getByName("127.0.77." + n), InetAddress.getByName("127.0.78." + n), 30, null);
            live.add(net);
            eventLog.add("provision " + unikernel);
            return net;
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void release(ProvisionedNetwork network) {
        if (live.remove(network)) {
            eventLog.add("release " + network.hostInterface());
        }
    }
}
