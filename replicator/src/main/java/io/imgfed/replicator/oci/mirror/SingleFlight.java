package io.imgfed.replicator.oci.mirror;

import io.vertx.core.Future;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/** One piece of work per key at a time: callers that ask while it runs share its future. */
final class SingleFlight<T> {
    private final Map<String, Future<T>> inflight = new ConcurrentHashMap<>();

    Future<T> run(String key, Supplier<Future<T>> work) {
        Future<T>[] mine = new Future[1];
        Future<T> f = inflight.computeIfAbsent(key, k -> mine[0] = work.get());
        if (f == mine[0]) {
            f.onComplete(ar -> inflight.remove(key, f));
        }
        return f;
    }
}
