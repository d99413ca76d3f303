package io.imgfed.devkit.chaos;

import java.time.Duration;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/** Every wait of the chaos suite: a condition polled until it holds, with a deadline that fails loudly. */
final class Await {
    private static final long POLL_MILLIS = 150;

    private Await() {
    }

    /** Thrown when a condition did not hold within its deadline. */
    static final class Timeout extends RuntimeException {
        Timeout(String message) {
            super(message, null, false, false);
        }
    }

    /** Polls {@code probe} until it returns a non-null value (not FALSE); returns it, or throws {@link Timeout}. */
    static <T> T value(String what, Duration deadline, Supplier<T> probe) {
        long end = System.nanoTime() + deadline.toNanos();
        RuntimeException last = null;
        while (true) {
            try {
                T v = probe.get();
                if (v != null && !Boolean.FALSE.equals(v)) {
                    return v;
                }
            } catch (Timeout t) {
                throw t;
            } catch (RuntimeException e) {
                last = e;
            }
            if (System.nanoTime() > end) {
                throw new Timeout("timed out after " + deadline.toSeconds() + " s waiting for " + what
                        + (last == null ? "" : " (last error: " + last + ")"));
            }
            sleep(POLL_MILLIS);
        }
    }

    static void until(String what, Duration deadline, BooleanSupplier probe) {
        value(what, deadline, () -> probe.getAsBoolean() ? Boolean.TRUE : null);
    }

    /** Like {@link #until}, returning false instead of throwing when the deadline passes. */
    static boolean within(Duration deadline, BooleanSupplier probe) {
        try {
            until("condition", deadline, probe);
            return true;
        } catch (Timeout t) {
            return false;
        }
    }

    static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    static double seconds(long sinceNanos) {
        return Math.round((System.nanoTime() - sinceNanos) / 1e7) / 100.0;
    }
}
