package io.umonitor.examples.cli;

import io.umonitor.core.Monitor;
import io.umonitor.core.gateway.GatewayOptions;
import io.umonitor.core.gateway.InvocationGateway;
import picocli.CommandLine.Option;

/** {@code --web}: the live log page (the monitor's gateway) for run, listen and shell. */
final class WebOption {
    @Option(names = "--web", description = "Serve the live log page on loopback and print its address with its viewer token.")
    boolean web;

    Monitor.Builder apply(Monitor.Builder builder) {
        return web ? builder.invocationGateway(GatewayOptions.defaults()) : builder;
    }

    /** Prints the page's address, token included, on stderr (records keep stdout to themselves). */
    void announce(Monitor monitor) {
        if (!web) {
            return;
        }
        // The page's address carries its viewer token (?token=...): anyone with the address can read the logs.
        monitor.gateway().flatMap(InvocationGateway::webPage).ifPresent(page ->
                System.err.println("live log page (the address includes its viewer token): " + page));
    }
}
