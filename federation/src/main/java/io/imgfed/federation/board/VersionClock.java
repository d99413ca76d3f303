package io.imgfed.federation.board;

import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Record versions: microseconds of wall-clock time, bumped past the last one handed out, so strictly increasing
 * within a process. The other DCs keep a record only if its version is newer than the one they hold, so versions
 * must also keep increasing across restarts, whatever the clock does meanwhile (a bad RTC, an NTP step back).
 *
 * <p>A persistent clock ({@link #persistent}) therefore keeps a high-water mark in the federation state dir:
 * no version is handed out above the mark on disk, and a restarted clock starts past it. The mark is reserved
 * ahead by {@link #RESERVE_MICROS} and written again on a background thread once half of that is used, so a
 * publication does not wait for an fsync; only one that would pass the mark (a forward clock jump, a write that
 * fell behind) writes it first.
 */
public final class VersionClock implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(VersionClock.class);
    /** How far ahead of the versions handed out the mark is reserved: one minute of clock. */
    static final long RESERVE_MICROS = TimeUnit.MINUTES.toMicros(1);
    /** The mark's file in the federation state dir. */
    public static final String FILE = "version-mark";

    private final LongSupplier millis;
    private final HighWaterMark mark;
    private final ExecutorService writer;
    /** The last version handed out. Guarded by this. */
    private long last;
    /** The highest version that may be handed out: the mark on disk. Guarded by this. */
    private long reserved;
    /** Whether a background write of the next reservation is under way. Guarded by this. */
    private boolean extending;
    /** Whether a failed write was logged (once until a write succeeds again). Guarded by this. */
    private boolean warned;

    /** A clock kept in memory only (tests of the clock itself). */
    public VersionClock() {
        this(System::currentTimeMillis);
    }

    /** A clock kept in memory only, on this millisecond clock. */
    public VersionClock(LongSupplier millis) {
        this.millis = millis;
        this.mark = null;
        this.writer = null;
        this.reserved = Long.MAX_VALUE;
    }

    private VersionClock(LongSupplier millis, HighWaterMark mark, long stored) {
        this.millis = millis;
        this.mark = mark;
        this.last = stored;
        this.reserved = stored;
        this.writer = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "imgfed-version-mark");
            t.setDaemon(true);
            return t;
        });
    }

    /**
     * A clock that starts past the mark kept in {@code stateDir} and keeps it there. Blocking (reads, and writes
     * the first reservation): call it off the event loop.
     */
    public static VersionClock persistent(Path stateDir, LongSupplier millis) throws IOException {
        HighWaterMark mark = new HighWaterMark(stateDir.resolve(FILE));
        long stored = mark.read();
        long now = millis.getAsLong() * 1000;
        if (stored > now) {
            LOG.info("record versions continue from {} (the mark in {}), {} s ahead of this host's clock", stored,
                    mark.file(), (stored - now) / 1_000_000);
        }
        long first = Math.max(stored, now) + RESERVE_MICROS;
        mark.write(first);
        VersionClock clock = new VersionClock(millis, mark, stored);
        synchronized (clock) {
            clock.reserved = first;
        }
        return clock;
    }

    /** Moves the clock past a version seen elsewhere (say, this DC's own from before a restart). */
    public synchronized void observe(long version) {
        last = Math.max(last, version);
    }

    public long next() {
        long now = millis.getAsLong() * 1000;
        synchronized (this) {
            long v = Math.max(last + 1, now);
            if (v > reserved) {
                reserveNow(v + RESERVE_MICROS);
            } else if (mark != null && !extending && reserved - v < RESERVE_MICROS / 2) {
                extending = true;
                long target = v + RESERVE_MICROS;
                try {
                    writer.execute(() -> extend(target));
                } catch (RejectedExecutionException closing) {
                    extending = false;
                }
            }
            last = v;
            return v;
        }
    }

    /** Writes a new mark before handing out a version past the current one. Holds the lock: rare. */
    private void reserveNow(long target) {
        try {
            mark.write(target);
            warned = false;
        } catch (IOException e) {
            warnOnce(e);
        }
        // Even when the write failed: retrying on every publication would put a failing write on each of them.
        // The background extension tries again at the next half block.
        reserved = target;
    }

    private void extend(long target) {
        IOException failed = null;
        try {
            mark.write(target);
        } catch (IOException e) {
            failed = e;
        }
        synchronized (this) {
            if (failed == null) {
                reserved = Math.max(reserved, target);
                warned = false;
            } else {
                warnOnce(failed);
            }
            extending = false;
        }
    }

    private void warnOnce(IOException e) {
        if (!warned) {
            warned = true;
            LOG.warn("cannot record the record version mark in {} ({}); versions published now may be reused after a "
                    + "restart with the clock set back", mark.file(), e.toString());
        }
    }

    @Override
    public void close() {
        if (writer != null) {
            writer.shutdown();
            try {
                writer.awaitTermination(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
