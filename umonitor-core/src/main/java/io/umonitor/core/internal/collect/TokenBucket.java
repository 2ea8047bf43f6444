package io.umonitor.core.internal.collect;

/**
 * A per-sender rate limit in records per second with one second of burst. TCP borrows (the
 * connection is paused until the debt is repaid, so nothing is lost); UDP only takes what is there.
 */
public final class TokenBucket {
    private final long ratePerSecond;
    private double tokens;
    private long lastRefillNanos;

    public TokenBucket(long ratePerSecond) {
        if (ratePerSecond <= 0) {
            throw new IllegalArgumentException("rate must be positive: " + ratePerSecond);
        }
        this.ratePerSecond = ratePerSecond;
        this.tokens = ratePerSecond;
        this.lastRefillNanos = System.nanoTime();
    }

    private void refill(long now) {
        long elapsed = now - lastRefillNanos;
        if (elapsed > 0) {
            tokens = Math.min(ratePerSecond, tokens + elapsed * (ratePerSecond / 1e9));
            lastRefillNanos = now;
        }
    }

    /** Takes {@code n} even when that leaves a debt; returns nanoseconds until the debt is repaid (0: none). */
    public synchronized long borrow(long n) {
        long now = System.nanoTime();
        refill(now);
        tokens -= n;
        return tokens >= 0 ? 0 : (long) (-tokens * 1e9 / ratePerSecond) + 1;
    }

    /** Takes {@code n} only when they are all there. */
    public synchronized boolean tryTake(long n) {
        refill(System.nanoTime());
        if (tokens >= n) {
            tokens -= n;
            return true;
        }
        return false;
    }
}
