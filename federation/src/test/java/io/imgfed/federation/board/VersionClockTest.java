package io.imgfed.federation.board;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class VersionClockTest {

    @Test
    void strictlyIncreasingWhenTheClockStandsStillOrGoesBackwards() {
        long[] clock = {1_000, 1_000, 999, 500, 0, 1_000, 1_001, 1_001, 2_000, 100, 2_000};
        AtomicInteger i = new AtomicInteger();
        VersionClock v = new VersionClock(() -> clock[i.getAndIncrement()]);
        List<Long> versions = new ArrayList<>();
        for (int k = 0; k < clock.length; k++) {
            versions.add(v.next());
        }
        for (int k = 1; k < versions.size(); k++) {
            assertTrue(versions.get(k) > versions.get(k - 1), "version " + k + " of " + versions);
        }
        // Microseconds of the clock whenever the clock is ahead of the last version.
        assertEquals(1_000_000L, versions.get(0));
        assertEquals(1_001_000L, versions.get(6));
        assertEquals(2_000_000L, versions.get(8));
        assertEquals(2_000_002L, versions.get(10), "a clock back at an old time does not repeat a version");
    }

    @Test
    void uniqueAcrossThreads() throws Exception {
        AtomicLong millis = new AtomicLong(5_000);
        VersionClock v = new VersionClock(() -> millis.getAndAdd(-1)); // running backwards all along
        Set<Long> all = ConcurrentHashMap.newKeySet();
        int threads = 4;
        int each = 20_000;
        CountDownLatch done = new CountDownLatch(threads);
        List<Throwable> errors = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            new Thread(() -> {
                try {
                    long last = Long.MIN_VALUE;
                    Set<Long> mine = new HashSet<>();
                    for (int k = 0; k < each; k++) {
                        long n = v.next();
                        if (n <= last) {
                            throw new AssertionError("not increasing within a thread: " + last + " then " + n);
                        }
                        last = n;
                        mine.add(n);
                    }
                    all.addAll(mine);
                } catch (Throwable e) {
                    synchronized (errors) {
                        errors.add(e);
                    }
                } finally {
                    done.countDown();
                }
            }).start();
        }
        done.await();
        assertTrue(errors.isEmpty(), errors.toString());
        assertEquals(threads * each, all.size(), "every version handed out once");
    }
}
