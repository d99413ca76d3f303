package io.imgfed.replicator.api;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpServerRequest;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Closes connections that send their first request's headers too slowly (slowloris): a new connection must
 * deliver them within the header timeout. The idle timeout alone is not enough, since one byte every few
 * seconds keeps a connection alive. (Later requests on a kept-alive connection are bounded by the idle
 * timeout; the response's end handler, which could re-arm this timer, belongs to the web router.)
 */
public final class SlowClientGuard {
    private final Vertx vertx;
    private final long headerMs;
    private final Map<HttpConnection, Long> timers = new ConcurrentHashMap<>();

    public SlowClientGuard(Vertx vertx, Duration headerTimeout) {
        this.vertx = vertx;
        this.headerMs = headerTimeout.toMillis();
    }

    public void connected(HttpConnection conn) {
        arm(conn, headerMs);
        conn.closeHandler(v -> disarm(conn));
    }

    /** A request's headers arrived in time. */
    public void request(HttpServerRequest req) {
        disarm(req.connection());
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
