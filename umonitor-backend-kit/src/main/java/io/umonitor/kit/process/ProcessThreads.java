package io.umonitor.kit.process;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The threads that read, deliver and wait for supervised processes: each task gets a thread of its own at
 * once (no queue, no bound: every task blocks for as long as its process lives), but a thread that finished
 * one is reused for the next instead of being created. Starting a thread waits until the new thread has
 * run, which on a loaded two-core host cost about 0.4 ms per thread, four per process, on the path from
 * launch to exit. An idle thread ends after {@link #IDLE_SECONDS}, so none outlives the work by long.
 */
final class ProcessThreads {

    static final long IDLE_SECONDS = 2;

    private static final String IDLE_NAME = "umonitor-process-idle";
    private static final AtomicInteger COUNT = new AtomicInteger();
    private static final ThreadPoolExecutor POOL = new ThreadPoolExecutor(0, Integer.MAX_VALUE, IDLE_SECONDS,
            TimeUnit.SECONDS, new SynchronousQueue<>(), task -> {
                Thread t = new Thread(task, IDLE_NAME + "-" + COUNT.incrementAndGet());
                t.setDaemon(true);
                return t;
            });

    private ProcessThreads() {
    }

    /**
     * Runs {@code task} on a thread named {@code name} while it runs. The returned future completes when the
     * task has ended, normally or not.
     */
    static CompletableFuture<Void> start(String name, Runnable task) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        POOL.execute(() -> {
            Thread self = Thread.currentThread();
            String idle = self.getName();
            self.setName(name);
            try {
                task.run();
            } finally {
                // A task may leave the interrupt flag set (a stop that came as the process ended).
                Thread.interrupted();
                self.setName(idle);
                done.complete(null);
            }
        });
        return done;
    }
}
