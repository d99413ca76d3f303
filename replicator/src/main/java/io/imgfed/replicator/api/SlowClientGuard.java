package io.imgfed.replicator.api;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpServerRequest;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Closes connections that send a request's headers too slowly (slowloris): a new connection must deliver its
 * first request's headers within the header timeout, and after each answer the next request must start within
 * the idle timeout. The idle timeout alone is not enough, since one byte every few seconds keeps it alive.
 */
public final class SlowClientGuard {
    private final Vertx vertx;
    private final long headerMs;
    private final long idleMs;
    private final Map<HttpConnection, Long> timers = new ConcurrentHashMap<>();

    public SlowClientGuard(Vertx vertx, Duration headerTimeout, Duration idleTimeout) {
        this.vertx = vertx;
        this.headerMs = headerTimeout.toMillis();
        this.idleMs = Math.max(idleTimeout.toMillis(), headerMs);
    }

    public void connected(HttpConnection conn) {
        arm(conn, headerMs);
        conn.closeHandler(v -> disarm(conn));
    }

    /** A request's headers arrived: no timer until its answer is sent. */
    public void request(HttpServerRequest req) {
        HttpConnection conn = req.connection();
        disarm(conn);
        req.response().endHandler(v -> {
            if (!req.response().closed()) {
                arm(conn, idleMs);
            }
        });
    }

    private void arm(HttpConnection conn, long ms) {
        disarm(conn);
        timers.put(conn, vertx.setTimer(ms, id -> {
            if (timers.remove(conn, id)) {
                conn.close();
            }
        }));
    }

    private void disarm(HttpConnection conn) {
        Long id = timers.remove(conn);
        if (id != null) {
            vertx.cancelTimer(id);
        }
    }
}
