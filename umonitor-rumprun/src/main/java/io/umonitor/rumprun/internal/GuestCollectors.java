package io.umonitor.rumprun.internal;

/**
 * What the guest's log client needs to reach the collector, as the guest must dial it.
 *
 * @param name the unikernel name it announces
 * @param token the per-launch token
 * @param tcp {@code host:port} of the TCP collector, or null when the guest has no route to one
 * @param udp {@code host:port} of the UDP collector, or null
 */
public record GuestCollectors(String name, String token, String tcp, String udp) {
}
