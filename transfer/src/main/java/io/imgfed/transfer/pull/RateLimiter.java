package io.imgfed.transfer.pull;

import java.util.function.LongSupplier;

/**
 * A token bucket for one link: {@code bytesPerSecond} sustained, bursts up to one second's worth. Asked how
 * long to pause after consuming bytes, so a reader can pause its source rather than buffer.
 */
public final class RateLimiter {
    private final double bytesPerNano;
    private final double capacity;
    private final LongSupplier nanoTime;
    private double tokens;
    private long lastNanos;

    public RateLimiter(long bytesPerSecond, LongSupplier nanoTime) {
        this.bytesPerNano = bytesPerSecond / 1e9;
        this.capacity = bytesPerSecond;
        this.nanoTime = nanoTime;
        this.tokens = capacity;
        this.lastNanos = nanoTime.getAsLong();
    }

    /** Takes {@code bytes}; returns the milliseconds to wait before taking more (0 = go on). */
    public synchronized long consume(long bytes) {
        long now = nanoTime.getAsLong();
        tokens = Math.min(capacity, tokens + (now - lastNanos) * bytesPerNano);
        lastNanos = now;
        tokens -= bytes;
        if (tokens >= 0) {
            return 0;
        }
        return (long) Math.ceil(-tokens / bytesPerNano / 1e6);
    }
}
