/**
 * Contract suites and test helpers for code that plugs into umonitor.
 *
 * <p>{@link io.umonitor.testkit.UnikernelBackendContract}, {@link io.umonitor.testkit.LogSinkContract} and
 * {@link io.umonitor.testkit.NetworkProvisionerContract} are abstract JUnit 5 classes: a provider's test
 * extends one, answers the few questions the suite cannot (how to build a guest that prints a line and
 * exits 3, how to read back what a sink stored), and inherits the tests of everything the SPI promises.
 * Every in-tree provider runs them; docs/writing-a-backend.md builds a backend against the first.
 * {@link io.umonitor.testkit.ShellGuestBackendContract} writes the backend suite's guests as shell scripts, for
 * backends whose guest is a host process.
 * {@link io.umonitor.testkit.Await}, {@link io.umonitor.testkit.RecordingGuestOutput} and
 * {@link io.umonitor.testkit.RecordingSink} are the helpers umonitor's own tests share.
 *
 * <p>Stability: new tests may be added to the suites in any release (a provider that keeps the SPI's
 * promises passes them); the methods a subclass implements change only with the SPI. Depends on
 * {@code umonitor-api} and {@code junit-jupiter-api} only.
 *
 * @since 0.2
 */
package io.umonitor.testkit;
