package io.imgfed.replicator.federated;

import io.imgfed.protocol.manifest.Manifest;
import io.imgfed.replicator.catalog.Catalog;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;

/**
 * Waits until this DC's catalog shows an image in a given state, driven by catalog changes rather than
 * polling. Used to answer a forwarded mutation only once the change has arrived here by gossip.
 */
public final class CatalogWatch {
    private final Vertx vertx;
    private final Catalog catalog;
    private final Map<String, List<Waiter>> waiters = new ConcurrentHashMap<>();

    private record Waiter(Predicate<Manifest> condition, Promise<Boolean> promise) {
    }

    public CatalogWatch(Vertx vertx, Catalog catalog) {
        this.vertx = vertx;
        this.catalog = catalog;
        catalog.addListener((before, after) -> {
            String uuid = after != null ? after.uuid() : before.uuid();
            check(uuid, after);
        });
    }

    /** Completes with true once the image (null when absent) satisfies the condition, false after the timeout. */
    public Future<Boolean> until(String uuid, Predicate<Manifest> condition, long timeoutMs) {
        Promise<Boolean> promise = Promise.promise();
        Waiter w = new Waiter(condition, promise);
        waiters.computeIfAbsent(uuid, k -> new CopyOnWriteArrayList<>()).add(w);
        check(uuid, catalog.get(uuid).orElse(null));
        long timer = vertx.setTimer(timeoutMs, t -> {
            remove(uuid, w);
            promise.tryComplete(false);
        });
        return promise.future().onComplete(ar -> vertx.cancelTimer(timer));
    }

    private void check(String uuid, Manifest current) {
        List<Waiter> ws = waiters.get(uuid);
        if (ws == null) {
            return;
        }
        for (Waiter w : ws) {
            if (w.condition().test(current)) {
                remove(uuid, w);
                w.promise().tryComplete(true);
            }
        }
    }

    private void remove(String uuid, Waiter w) {
        waiters.computeIfPresent(uuid, (k, list) -> {
            list.remove(w);
            return list.isEmpty() ? null : list;
        });
    }
}
