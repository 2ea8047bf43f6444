package io.umonitor.testkit;

import io.umonitor.api.UnikernelSpec;
import io.umonitor.api.spi.GuestParameters;
import java.util.Optional;

/**
 * {@link UnikernelBackendContract} with its guests written as POSIX {@code sh} scripts, for a backend whose
 * guest is a host process that can run a shell (umonitor's {@code process} backend runs them with
 * {@code sh -c}, the example of docs/writing-a-backend.md from a script file). The subclass says only how
 * a script becomes a guest of its backend, in {@link #shellGuest}. A backend that boots a kernel extends
 * {@link UnikernelBackendContract} and builds its guests itself.
 *
 * <pre>{@code
 * class MyBackendContractIT extends ShellGuestBackendContract {
 *     protected UnikernelBackend createBackend() { return new MyBackend(); }
 *     protected UnikernelSpec.Builder shellGuest(String name, String script) {
 *         return UnikernelSpec.builder(name, Path.of("/bin/sh")).argument("-c").argument(script);
 *     }
 * }
 * }</pre>
 *
 * <p>Stability: the scripts may change in any release as long as each still does what its
 * {@link UnikernelBackendContract} factory promises.
 *
 * @since 0.2
 */
public abstract class ShellGuestBackendContract extends UnikernelBackendContract {

    /**
     * A guest named {@code name} that runs {@code script} with a POSIX shell and ends when the script does;
     * the script reads the guest parameters from its environment ({@link GuestParameters}).
     */
    protected abstract UnikernelSpec.Builder shellGuest(String name, String script);

    @Override
    protected UnikernelSpec.Builder guestThatPrintsAndExits(String name, String line, int exitCode) {
        return shellGuest(name, "echo " + quoted(line) + "; exit " + exitCode);
    }

    @Override
    protected UnikernelSpec.Builder guestThatCrashes(String name) {
        return shellGuest(name, "echo about to fault; kill -SEGV $$");
    }

    @Override
    protected UnikernelSpec.Builder guestThatRunsUntilStopped(String name, String line) {
        return shellGuest(name, "echo " + quoted(line) + "; exec sleep 600");
    }

    @Override
    protected UnikernelSpec.Builder guestThatPrintsItsParameters(String name) {
        return shellGuest(name, "echo \"$" + GuestParameters.NAME + " $" + GuestParameters.TOKEN + " $"
                + GuestParameters.TCP + " $" + GuestParameters.UDP + "\"");
    }

    /** Ignores SIGTERM, so the backend must end it by force after the grace period. */
    @Override
    protected Optional<UnikernelSpec.Builder> guestThatIgnoresGracefulStop(String name, String line) {
        return Optional.of(shellGuest(name, "trap '' TERM; echo " + quoted(line) + "; while :; do sleep 1; done"));
    }

    /** {@code text} as one shell word, printed as it is whatever it holds. */
    static String quoted(String text) {
        return "'" + text.replace("'", "'\\''") + "'";
    }
}
