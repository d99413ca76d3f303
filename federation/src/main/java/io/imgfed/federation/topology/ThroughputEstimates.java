package io.imgfed.federation.topology;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Measured pull throughput from each DC: an exponentially weighted average of completed transfers, so
 * recent links count most. Unmeasured links are assumed to run at {@link #ASSUMED_BYTES_PER_SECOND}.
 */
public final class ThroughputEstimates {
    /** 100 MB/s: the guess for a link never measured; only used to order equals and to estimate time. */
    public static final double ASSUMED_BYTES_PER_SECOND = 100e6;
    private static final double WEIGHT = 0.3;

    private final Map<String, Double> bytesPerSecond = new ConcurrentHashMap<>();

    /** Records a transfer segment from {@code dc}; tiny samples say little about a link and are ignored. */
    public void record(String dc, long bytes, long nanos) {
        if (bytes < 1 << 20 || nanos <= 0) {
            return;
        }
        double sample = bytes / (nanos / 1e9);
        bytesPerSecond.merge(dc, sample, (old, s) -> old * (1 - WEIGHT) + s * WEIGHT);
    }

    public double estimate(String dc) {
        return bytesPerSecond.getOrDefault(dc, ASSUMED_BYTES_PER_SECOND);
    }

    public boolean measured(String dc) {
        return bytesPerSecond.containsKey(dc);
    }
}
