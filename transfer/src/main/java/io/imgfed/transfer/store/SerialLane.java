package io.imgfed.transfer.store;

import java.util.ArrayDeque;
import java.util.concurrent.Executor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs tasks one after another, in submission order, on threads borrowed from a shared pool. Several lanes
 * share one pool yet each stays sequential, so independent work (writing, hashing) runs in parallel while
 * every byte is still seen in order.
 */
public final class SerialLane {
    private static final Logger LOG = LoggerFactory.getLogger(SerialLane.class);
    private final Executor pool;
    private final ArrayDeque<Runnable> queue = new ArrayDeque<>();
    private boolean running;

    public SerialLane(Executor pool) {
        this.pool = pool;
    }

    public void submit(Runnable task) {
        synchronized (this) {
            queue.add(task);
            if (running) {
                return;
            }
            running = true;
        }
        try {
            pool.execute(this::drain);
        } catch (java.util.concurrent.RejectedExecutionException closed) {
            // The pool is shutting down: queued work (a finish, an abort) must still complete, never hang.
            Thread t = new Thread(this::drain, "imgfed-lane-after-close");
            t.setDaemon(true);
            t.start();
        }
    }

    private void drain() {
        for (;;) {
            Runnable task;
            synchronized (this) {
                task = queue.poll();
                if (task == null) {
                    running = false;
                    return;
                }
            }
            try {
                task.run();
            } catch (Throwable t) {
                // A task that throws must not leave the lane marked running with nobody draining it.
                LOG.error("task failed in a serial lane; continuing with the next", t);
            }
        }
    }
}
