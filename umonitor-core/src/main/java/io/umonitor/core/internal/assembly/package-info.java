/**
 * How a {@link io.umonitor.core.Monitor} is put together, one job per class: finding providers and
 * checking settings ({@link io.umonitor.core.internal.assembly.ProviderSet}), the monitor's directories
 * ({@link io.umonitor.core.internal.assembly.MonitorDirectories}), initialising providers
 * ({@link io.umonitor.core.internal.assembly.ProviderStartup}), choosing the TAP provisioner
 * ({@link io.umonitor.core.internal.assembly.ProvisionerChoice}) and removing what killed monitors left
 * behind ({@link io.umonitor.core.internal.assembly.LeftoverSweep}). Internal: not an API.
 */
package io.umonitor.core.internal.assembly;
