package io.umonitor.examples.iarnet;

import io.umonitor.api.ConfigurationException;
import io.umonitor.api.LaunchException;
import io.umonitor.api.NetworkSpec;
import io.umonitor.api.UnikernelHandle;
import io.umonitor.api.UnikernelSpec;
import io.umonitor.core.Monitor;
import io.umonitor.core.gateway.InvocationException;
import io.umonitor.core.gateway.Invocations;
import io.umonitor.solo5.MirageBuilder;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The iarnet unikernel provider's flow as a thin layer over umonitor: take a function's OCaml handler
 * code, generate its MirageOS unikernel ({@link UnikernelSources}), build it with the mirage tool (reused
 * by content hash; the build output goes into the unikernel's own log), launch it on the Solo5 backend
 * with its own tap and address, wait until it has connected to the monitor's invocation gateway, invoke
 * it, and undeploy it.
 *
 * <pre>{@code
 * try (Monitor monitor = Monitor.builder().invocationGateway(GatewayOptions.defaults()).build();
 *      IarnetProvider provider = new IarnetProvider(monitor, MirageBuilder.create(cache), work)) {
 *     provider.deploy("adder", handlersMl, Duration.ofMinutes(2));
 *     String sum = provider.invoke("adder", "add", "[1,2]", Duration.ofSeconds(10));
 *     provider.undeploy("adder");
 * }
 * }</pre>
 *
 * <p>Compared with the provider it replaces: each function gets its own tap and address (no shared tap,
 * no fixed guest address), a crash fails its pending invocations at once with the exit code and console,
 * and only the unikernel holding the per-launch token can connect, on the tap's host address only.
 */
public final class IarnetProvider implements AutoCloseable {
    /** The MirageOS network device the generated unikernel uses. */
    public static final String NETWORK_DEVICE = "service";

    private final Monitor monitor;
    private final MirageBuilder builder;
    private final Path workDirectory;
    private final String backendId;
    private final Map<String, UnikernelHandle> deployed = new ConcurrentHashMap<>();

    /**
     * @param monitor a monitor built with an invocation gateway, a Solo5 backend and a tap provisioner
     * @param builder builds the unikernels (its cache directory keeps builds for reuse)
     * @param workDirectory where the generated sources go (one directory per function)
     */
    public IarnetProvider(Monitor monitor, MirageBuilder builder, Path workDirectory) {
        this(monitor, builder, workDirectory, "solo5");
    }

    IarnetProvider(Monitor monitor, MirageBuilder builder, Path workDirectory, String backendId) {
        this.monitor = Objects.requireNonNull(monitor, "monitor");
        this.builder = Objects.requireNonNull(builder, "builder");
        this.workDirectory = Objects.requireNonNull(workDirectory, "workDirectory");
        this.backendId = backendId;
        if (monitor.gateway().isEmpty()) {
            throw new ConfigurationException("the iarnet provider invokes functions through umonitor's invocation "
                    + "gateway, and this monitor has none: build it with .invocationGateway(GatewayOptions.defaults())");
        }
    }

    /**
     * Generates, builds (or reuses), launches function {@code name} and waits until it has connected.
     *
     * @throws io.umonitor.api.BackendUnavailableException naming the missing build tool (mirage, opam, make)
     * @throws LaunchException when the build fails, or the unikernel ends or does not connect within
     *     {@code readyTimeout} (it is then stopped), with its exit code and last console lines
     */
    public UnikernelHandle deploy(String name, String handlersMl, Duration readyTimeout) {
        Path sources = UnikernelSources.write(workDirectory.resolve("functions").resolve(name), handlersMl);
        MirageBuilder.Result build = builder.build(name, sources, "hvt", monitor::publish);
        UnikernelSpec spec = UnikernelSpec.builder(name, build.image()).backend(backendId)
                .network(NetworkSpec.tap(NETWORK_DEVICE)).option("solo5.mirage", "true").build();
        UnikernelHandle handle = monitor.launch(spec);
        try {
            monitor.invocations(name).awaitReady(readyTimeout);
        } catch (InvocationException e) {
            handle.stop();
            throw new LaunchException("function '" + name + "' did not become ready: " + e.getMessage(), e);
        }
        deployed.put(name, handle);
        return handle;
    }

    /**
     * Invokes function {@code name} on {@code topic} with a JSON value and returns the JSON result.
     *
     * @throws InvocationException with the function's error, a timeout, or how it ended when it crashed
     */
    public String invoke(String name, String topic, String jsonValue, Duration timeout) {
        Invocations invocations = monitor.invocations(name);
        try {
            return invocations.invoke(topic, jsonValue, timeout).get(timeout.toMillis() + 1000, TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof InvocationException ie) {
                throw ie;
            }
            throw new InvocationException(InvocationException.Reason.DISCONNECTED, "invocation of '" + name + "' failed: "
                    + e.getCause(), null);
        } catch (TimeoutException e) {
            throw new InvocationException(InvocationException.Reason.TIMEOUT, "invocation of '" + name
                    + "' did not complete within " + timeout, null);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InvocationException(InvocationException.Reason.CLOSED, "interrupted invoking '" + name + "'", null);
        }
    }

    /** Stops function {@code name}; its tap and address are released. Unknown names are ignored. */
    public void undeploy(String name) {
        UnikernelHandle handle = deployed.remove(name);
        if (handle != null) {
            handle.stop();
        }
    }

    /** Undeploys every function this provider deployed (the monitor stays open). */
    @Override
    public void close() {
        deployed.keySet().forEach(this::undeploy);
    }
}
