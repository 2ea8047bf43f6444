package io.umonitor.api;

/**
 * Receives state changes of unikernels. Called on a monitor thread; must not block.
 *
 * @since 0.1
 */
@FunctionalInterface
public interface LifecycleListener {
    void onEvent(LifecycleEvent event);
}
