package io.umonitor.core.internal.log;

import io.umonitor.api.LogFilter;
import io.umonitor.api.LogRecord;
import io.umonitor.api.Subscription;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * Starts followers: each replays the history it is given, then receives live records on its own thread
 * through a bounded queue, so a slow consumer skips ahead instead of slowing the collectors.
 */
final class Followers {
    private final SenderRegistry registry;
    private final int queueCapacity;
    private final MemoryBudget.Share budget;

    /** @param budget the follower queues' share of the memory budget, which all followers draw on */
    Followers(SenderRegistry registry, int queueCapacity, MemoryBudget.Share budget) {
        this.registry = registry;
        this.queueCapacity = queueCapacity;
        this.budget = budget;
    }

    /** Follows {@code name}, or every sender (present and future) when {@code name} is null. */
    Subscription follow(String name, LogFilter filter, Consumer<LogRecord> consumer) {
        Objects.requireNonNull(consumer, "consumer");
        LogFilter f = filter == null ? LogFilter.ALL : filter;
        if (name == null) {
            Follower[] holder = new Follower[1];
            Follower follower = new Follower(null, f, consumer, queueCapacity,
                    () -> registry.unsubscribeAll(holder[0]), budget);
            holder[0] = follower;
            registry.subscribeAll(follower);
            follower.start();
            return follower;
        }
        SenderState s = registry.require(name);
        Follower[] holder = new Follower[1];
        Follower follower = new Follower(name, f, consumer, queueCapacity, () -> s.unsubscribe(holder[0]), budget);
        holder[0] = follower;
        s.subscribe(follower);
        follower.start();
        return follower;
    }
}
