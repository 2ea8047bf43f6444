package io.umonitor.api.spi;

import io.umonitor.api.Availability;
/**
 * Launches and stops one kind of unikernel (Solo5 tenders, QEMU, Linux processes, ...).
 *
 * <p>Found with {@link java.util.ServiceLoader} (register with {@code @AutoService(UnikernelBackend.class)})
 * or passed to the monitor explicitly. Implementations have a public no-argument constructor that does no
 * I/O; {@link #availability()} is cheap; real set-up happens in {@link #initialize}, and what it holds is
 * released in {@link #close}. After initialize,
 * {@link #launch} may be called from many threads at once.
 *
 * @since 0.1
 */
public interface UnikernelBackend extends AutoCloseable {

    /** Unique, stable, lower-case id such as {@code solo5}, {@code qemu} or {@code process}. */
    String id();

    /**
     * How a user gets this backend, for the monitor's messages about what is installed (e.g. when no
     * backend can run a unikernel): the Maven coordinates of its module, such as
     * {@code io.umonitor:umonitor-solo5}. By default the implementation's class name.
     */
    default String artifact() {
        return getClass().getName();
    }

    /**
     * Whether this backend can run on this host and, if not, why and how to fix it. Cheap: looks for
     * executables and device files, never starts a guest.
     */
    Availability availability();

    /**
     * Whether {@code image} is the kind of image this backend runs, judged from its contents (ELF notes,
     * boot headers, a shebang line), never by running it. Cheap and free of side effects; called for
     * every usable backend when a unikernel names no backend, so that the monitor can choose the one that
     * recognises it. May be called before {@link #initialize}. The default says the backend cannot tell.
     *
     * @param image an existing regular file
     * @since 0.2
     */
    default ImageRecognition recognise(java.nio.file.Path image) {
        return ImageRecognition.cannotTell();
    }

    /** Validates settings and prepares; called once before the first launch. */
    default void initialize(ProviderContext context) {
    }

    /**
     * Starts a unikernel and returns once it has been started (not once it runs). Must either return a
     * live guest or throw {@link io.umonitor.api.LaunchException} /
     * {@link io.umonitor.api.ConfigurationException} having left nothing running.
     */
    LaunchedUnikernel launch(LaunchRequest request);

    /**
     * True when this backend can only hand the token to its guests where other local users can read it (a
     * tender's command line, shown by {@code ps}). The monitor then binds each token to the first session
     * that presents it, so a copied token is useless to anyone else; such guests must keep one log session
     * per launch. Default false: the token travels by a channel only the monitor's user can read.
     *
     * @since 0.2
     */
    default boolean tokenVisibleToOtherUsers() {
        return false;
    }

    /**
     * {@link #tokenVisibleToOtherUsers()} for one launch, for a backend that hands the token privately unless
     * the spec asks otherwise (the {@code qemu} backend's {@code qemu.tokenOnCommandLine} for guests with an
     * older log client). By default the backend-wide answer.
     *
     * @since 0.3
     */
    default boolean tokenVisibleToOtherUsers(io.umonitor.api.UnikernelSpec spec) {
        return tokenVisibleToOtherUsers();
    }

    /**
     * Releases what the backend holds across launches (caches, helper processes, files). Called once, when
     * the monitor closes, after every unikernel it launched has ended; no launch follows. Does nothing by
     * default.
     */
    @Override
    default void close() {
    }
}
