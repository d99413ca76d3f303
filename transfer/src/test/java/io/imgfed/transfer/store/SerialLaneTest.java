package io.imgfed.transfer.store;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class SerialLaneTest {
    private final ExecutorService pool = Executors.newFixedThreadPool(8);

    @AfterEach
    void stop() {
        pool.shutdownNow();
    }

    @Test
    void tasksOfOneLaneRunInOrderOneAtATime() throws Exception {
        SerialLane lane = new SerialLane(pool);
        int n = 20_000;
        List<Integer> seen = new ArrayList<>(); // unsynchronized on purpose: the lane must order access
        AtomicInteger inFlight = new AtomicInteger();
        AtomicInteger maxInFlight = new AtomicInteger();
        CountDownLatch done = new CountDownLatch(1);
        for (int i = 0; i < n; i++) {
            int k = i;
            lane.submit(() -> {
                maxInFlight.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
                if (k % 1000 == 0) {
                    Thread.yield(); // give other pool threads a chance to overtake, if the lane let them
                }
                seen.add(k);
                inFlight.decrementAndGet();
                if (k == n - 1) {
                    done.countDown();
                }
            });
        }
        assertTrue(done.await(30, SECONDS), "lane finished");
        assertEquals(1, maxInFlight.get(), "never two tasks of a lane at once");
        assertEquals(IntStream.range(0, n).boxed().toList(), seen);
    }

    @Test
    void eachSubmittersTasksKeepTheirOrderUnderConcurrentSubmits() throws Exception {
        SerialLane lane = new SerialLane(pool);
        int producers = 4;
        int per = 5_000;
        List<int[]> seen = new ArrayList<>();
        CountDownLatch done = new CountDownLatch(producers * per);
        ExecutorService submitters = Executors.newFixedThreadPool(producers);
        try {
            for (int p = 0; p < producers; p++) {
                int id = p;
                submitters.execute(() -> {
                    for (int i = 0; i < per; i++) {
                        int k = i;
                        lane.submit(() -> {
                            seen.add(new int[] {id, k});
                            done.countDown();
                        });
                    }
                });
            }
            assertTrue(done.await(30, SECONDS));
        } finally {
            submitters.shutdownNow();
        }
        int[] next = new int[producers];
        for (int[] e : seen) {
            assertEquals(next[e[0]]++, e[1], "producer " + e[0]);
        }
        assertEquals(producers * per, seen.size());
    }

    @Test
    void twoLanesOnOnePoolRunConcurrently() throws Exception {
        ExecutorService two = Executors.newFixedThreadPool(2);
        try {
            SerialLane a = new SerialLane(two);
            SerialLane b = new SerialLane(two);
            CountDownLatch aRunning = new CountDownLatch(1);
            CountDownLatch bRunning = new CountDownLatch(1);
            AtomicBoolean aSawB = new AtomicBoolean();
            AtomicBoolean bSawA = new AtomicBoolean();
            CountDownLatch done = new CountDownLatch(2);
            // Each task waits until the other is running: both succeed only if they overlap in time.
            a.submit(() -> {
                aRunning.countDown();
                aSawB.set(await(bRunning));
                done.countDown();
            });
            b.submit(() -> {
                bRunning.countDown();
                bSawA.set(await(aRunning));
                done.countDown();
            });
            assertTrue(done.await(30, SECONDS));
            assertTrue(aSawB.get() && bSawA.get(), "lanes ran side by side");
        } finally {
            two.shutdownNow();
        }
    }

    @Test
    void aFailingTaskDoesNotStopTheLane() throws Exception {
        SerialLane lane = new SerialLane(pool);
        List<Integer> seen = new ArrayList<>();
        CountDownLatch done = new CountDownLatch(1);
        lane.submit(() -> seen.add(1));
        lane.submit(() -> {
            throw new IllegalStateException("boom (expected by the test)");
        });
        lane.submit(() -> seen.add(3));
        lane.submit(done::countDown);
        assertTrue(done.await(30, SECONDS), "tasks after a failing one still run");
        lane.submit(() -> seen.add(5));
        CountDownLatch later = new CountDownLatch(1);
        lane.submit(later::countDown);
        assertTrue(later.await(30, SECONDS), "and the lane keeps accepting work");
        assertEquals(List.of(1, 3, 5), seen);
    }

    private static boolean await(CountDownLatch latch) {
        try {
            return latch.await(30, SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
