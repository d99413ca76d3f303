package io.imgfed.federation.board;

import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * Record versions: microseconds of wall-clock time, bumped past the last one handed out. Strictly increasing
 * within a process and, because they follow the clock, across restarts of the DC as well.
 */
public final class VersionClock {
    private final AtomicLong last = new AtomicLong();
    private final LongSupplier millis;

    public VersionClock() {
        this(System::currentTimeMillis);
    }

    public VersionClock(LongSupplier millis) {
        this.millis = millis;
    }

    /** Moves the clock past a version seen elsewhere (say, this DC's own from before a restart). */
    public void observe(long version) {
        last.updateAndGet(prev -> Math.max(prev, version));
    }

    public long next() {
        long now = millis.getAsLong() * 1000;
        return last.updateAndGet(prev -> Math.max(prev + 1, now));
    }
}
