package io.imgfed.replicator.health;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.imgfed.protocol.json.Json;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The checks behind {@code /readyz}: each named, run concurrently with a deadline, and reported one by one
 * so an operator sees which one fails and why.
 */
public final class Readiness {

    /** A check's verdict; {@code detail} explains a failure (or adds context to a pass). */
    public record Result(boolean ok, String detail) {
        public static Result pass() {
            return new Result(true, null);
        }

        public static Result fail(String detail) {
            return new Result(false, detail);
        }
    }

    private final Vertx vertx;
    private final long timeoutMs;
    private final Map<String, Supplier<Future<Result>>> checks = new LinkedHashMap<>();

    public Readiness(Vertx vertx, long timeoutMs) {
        this.vertx = vertx;
        this.timeoutMs = timeoutMs;
    }

    public synchronized Readiness add(String name, Supplier<Future<Result>> check) {
        checks.put(name, check);
        return this;
    }

    /** Adds a check that passes when the future succeeds and fails with its error message otherwise. */
    public Readiness addProbe(String name, Supplier<Future<Void>> probe) {
        return add(name, () -> probe.get().map(v -> Result.pass()));
    }

    /** Runs every check; the JSON body and whether all passed. */
    public Future<Report> run() {
        List<String> names;
        List<Future<Result>> results = new ArrayList<>();
        synchronized (this) {
            names = new ArrayList<>(checks.keySet());
            for (String n : names) {
                Future<Result> f;
                try {
                    f = checks.get(n).get();
                } catch (RuntimeException e) {
                    f = Future.failedFuture(e);
                }
                results.add(f.timeout(timeoutMs, java.util.concurrent.TimeUnit.MILLISECONDS)
                        .recover(err -> Future.succeededFuture(Result.fail(message(err)))));
            }
        }
        return Future.join(results).transform(ignored -> {
            ObjectNode body = Json.object();
            ObjectNode c = body.putObject("checks");
            boolean all = true;
            for (int i = 0; i < names.size(); i++) {
                Result r = results.get(i).result();
                all &= r.ok();
                ObjectNode o = c.putObject(names.get(i));
                o.put("ok", r.ok());
                if (r.detail() != null) {
                    o.put("detail", r.detail());
                }
            }
            body.put("status", all ? "ready" : "not ready");
            return Future.succeededFuture(new Report(all, body));
        });
    }

    public record Report(boolean ready, ObjectNode body) {
    }

    private static String message(Throwable err) {
        String m = err.getMessage();
        return m == null ? err.getClass().getSimpleName() : m;
    }
}
