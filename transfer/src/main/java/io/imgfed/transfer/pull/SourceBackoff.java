package io.imgfed.transfer.pull;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * Exponential backoff per source DC: after each failure a source rests twice as long as before (from
 * {@code initial} up to {@code max}); a success forgets its failures.
 */
public final class SourceBackoff {
    private final long initialNanos;
    private final long maxNanos;
    private final LongSupplier nanoTime;
    private final Map<String, State> states = new ConcurrentHashMap<>();

    private record State(int failures, long readyAtNanos) {
    }

    public SourceBackoff(Duration initial, Duration max, LongSupplier nanoTime) {
        this.initialNanos = initial.toNanos();
        this.maxNanos = max.toNanos();
        this.nanoTime = nanoTime;
    }

    /** Records a failure; returns how long the source now rests. */
    public Duration failed(String dc) {
        State s = states.merge(dc, new State(1, 0), (old, n) -> new State(old.failures() + 1, 0));
        long wait = delayFor(s.failures());
        states.put(dc, new State(s.failures(), nanoTime.getAsLong() + wait));
        return Duration.ofNanos(wait);
    }

    public void succeeded(String dc) {
        states.remove(dc);
    }

    /** Zero when the source may be tried now, else how long it still rests. */
    public Duration remaining(String dc) {
        State s = states.get(dc);
        if (s == null) {
            return Duration.ZERO;
        }
        long left = s.readyAtNanos() - nanoTime.getAsLong();
        return left <= 0 ? Duration.ZERO : Duration.ofNanos(left);
    }

    /** The first candidate that may be tried now, or none and how long until the soonest may. */
    public Choice firstReady(java.util.List<SourceCandidate> candidates) {
        Duration soonest = null;
        for (SourceCandidate c : candidates) {
            Duration wait = remaining(c.dc());
            if (wait.isZero()) {
                return new Choice(c, Duration.ZERO);
            }
            soonest = soonest == null || wait.compareTo(soonest) < 0 ? wait : soonest;
        }
        return new Choice(null, soonest == null ? Duration.ZERO : soonest);
    }

    /** A source to try now, or (source null) how long until one may be tried. */
    public record Choice(SourceCandidate source, Duration delay) {
    }

    long delayFor(int failures) {
        long d = initialNanos;
        for (int i = 1; i < failures && d < maxNanos; i++) {
            d *= 2;
        }
        return Math.min(d, maxNanos);
    }
}
