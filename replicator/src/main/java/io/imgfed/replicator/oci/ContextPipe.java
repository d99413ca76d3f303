package io.imgfed.replicator.oci;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.streams.WriteStream;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Pipes a request body into a write stream that lives on another context. An upload session's writer belongs
 * to the event loop that started it, while its later {@code PATCH} and {@code PUT} requests may arrive on other
 * connections, hence other event loops: every request call stays on the request's context and every writer call
 * on the writer's, with the bytes in between bounded (the request pauses above {@link #MAX_IN_FLIGHT}).
 */
final class ContextPipe {
    static final long MAX_IN_FLIGHT = 8L << 20;

    private ContextPipe() {
    }

    /** Completes (on the request's context) once every byte of the body is accepted by {@code target}. */
    static Future<Long> pipe(HttpServerRequest req, Context reqContext, WriteStream<Buffer> target, Context targetContext) {
        Promise<Long> done = Promise.promise();
        AtomicLong inFlight = new AtomicLong();
        AtomicLong total = new AtomicLong();
        boolean[] paused = {false};
        boolean[] failed = {false};
        Future<Void>[] last = new Future[] {Future.succeededFuture()};
        req.handler(buf -> {
            int len = buf.length();
            total.addAndGet(len);
            if (inFlight.addAndGet(len) > MAX_IN_FLIGHT && !paused[0]) {
                paused[0] = true;
                req.pause();
            }
            targetContext.runOnContext(v -> {
                Future<Void> w = target.write(buf);
                last[0] = w;
                w.onComplete(ar -> {
                    long left = inFlight.addAndGet(-len);
                    if (ar.failed()) {
                        reqContext.runOnContext(x -> fail(req, done, failed, ar.cause()));
                    } else if (left <= MAX_IN_FLIGHT / 2) {
                        reqContext.runOnContext(x -> {
                            if (paused[0] && !failed[0]) {
                                paused[0] = false;
                                req.resume();
                            }
                        });
                    }
                });
            });
        });
        req.exceptionHandler(err -> fail(req, done, failed, err));
        req.endHandler(v -> targetContext.runOnContext(x -> last[0].onComplete(ar ->
                reqContext.runOnContext(y -> {
                    if (ar.succeeded()) {
                        done.tryComplete(total.get());
                    } else {
                        fail(req, done, failed, ar.cause());
                    }
                }))));
        req.resume();
        return done.future();
    }

    private static void fail(HttpServerRequest req, Promise<Long> done, boolean[] failed, Throwable cause) {
        if (!failed[0]) {
            failed[0] = true;
            req.handler(null);
            done.tryFail(cause);
        }
    }
}
