package io.imgfed.replicator.testkit;

import java.time.Duration;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/** Waits for a condition with a deadline, polling; fails with a description of what never became true. */
public final class Await {
    private Await() {
    }

    public static void until(String what, Duration timeout, BooleanSupplier condition) {
        long deadline = System.nanoTime() + timeout.toNanos();
        Throwable last = null;
        while (System.nanoTime() < deadline) {
            try {
                if (condition.getAsBoolean()) {
                    return;
                }
            } catch (RuntimeException | AssertionError e) {
                last = e;
            }
            pause();
        }
        throw new AssertionError("timed out after " + timeout + " waiting for: " + what, last);
    }

    /** Polls until the supplier returns a non-null value, and returns it. */
    public static <T> T value(String what, Duration timeout, Supplier<T> supplier) {
        long deadline = System.nanoTime() + timeout.toNanos();
        Throwable last = null;
        while (System.nanoTime() < deadline) {
            try {
                T v = supplier.get();
                if (v != null) {
                    return v;
                }
            } catch (RuntimeException | AssertionError e) {
                last = e;
            }
            pause();
        }
        throw new AssertionError("timed out after " + timeout + " waiting for: " + what, last);
    }

    private static void pause() {
        try {
            Thread.sleep(20);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }
}
