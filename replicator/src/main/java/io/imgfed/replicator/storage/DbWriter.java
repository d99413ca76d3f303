package io.imgfed.replicator.storage;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one thread that touches an embedded database (the catalog's, the OCI registry's): JDBC blocks, so it never
 * runs on an event loop, and one thread means the database's writes happen in call order with no locking.
 * Results come back on the caller's context.
 */
public final class DbWriter {
    private static final Logger LOG = LoggerFactory.getLogger(DbWriter.class);

    private final Vertx vertx;
    private final String what;
    private final ExecutorService thread;
    private volatile boolean closed;

    public DbWriter(Vertx vertx, String threadName, String what) {
        this.vertx = vertx;
        this.what = what;
        this.thread = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, threadName);
            t.setDaemon(true);
            return t;
        });
    }

    /** Runs {@code work} on the writer thread; its result or failure arrives on the caller's context. */
    public <T> Future<T> call(Callable<T> work) {
        if (closed) {
            return Future.failedFuture(new IllegalStateException(what + " is closed"));
        }
        Promise<T> promise = Promise.promise();
        Context ctx = vertx.getOrCreateContext();
        try {
            thread.execute(() -> {
                try {
                    T result = work.call();
                    ctx.runOnContext(v -> promise.complete(result));
                } catch (Throwable e) {
                    ctx.runOnContext(v -> promise.fail(e));
                }
            });
        } catch (RejectedExecutionException e) {
            return Future.failedFuture(new IllegalStateException(what + " is closed"));
        }
        return promise.future();
    }

    /** Queues a task on the writer thread (for work that completes its own promises). */
    public void execute(Runnable task) {
        thread.execute(task);
    }

    /** Runs {@code closer} (closing the database) after everything queued, then stops the thread (waits 10 s at most). */
    public void close(AutoCloseable closer) {
        closed = true;
        thread.execute(() -> {
            try {
                closer.close();
            } catch (Exception e) {
                LOG.warn("closing {}: {}", what, e.getMessage());
            }
        });
        thread.shutdown();
        try {
            thread.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Stops the thread at once (a failed open). */
    public void abandon() {
        closed = true;
        thread.shutdown();
    }
}
